from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0013_passkeys")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ProviderLink",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="provider_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("provider", fields.CharField(max_length=32)),
                ("subject", fields.CharField(max_length=255)),
                ("email", fields.CharField(null=True, max_length=254)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "provider_links",
                "app": "models",
                "unique_together": (("provider", "subject"), ("user", "provider")),
                "pk_attr": "id",
                "table_description": "One account's identity at one provider.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProviderSignIn",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("provider", fields.CharField(max_length=32)),
                ("state_hash", fields.CharField(unique=True, max_length=64)),
                ("nonce", fields.CharField(max_length=64)),
                ("code_verifier", fields.CharField(max_length=128)),
                ("redirect_to", fields.CharField(max_length=2048)),
                (
                    "link_user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="link_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="provider_link_requests",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("state_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="provider_sign_ins",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code_hash", fields.CharField(null=True, unique=True, max_length=64)),
                ("code_expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("code_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "provider_sign_ins",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One provider sign-in (or link) under way.",
            },
            bases=["Model"],
        ),
    ]
