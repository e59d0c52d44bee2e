from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0012_sign_in_codes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Passkey",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="passkeys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("credential_key", fields.CharField(unique=True, max_length=64)),
                ("credential_id", fields.TextField(unique=False)),
                ("public_key", fields.TextField(unique=False)),
                ("sign_count", fields.BigIntField(default=0)),
                ("user_handle", fields.CharField(max_length=128)),
                ("name", fields.CharField(max_length=64)),
                ("aaguid", fields.CharField(default="", max_length=36)),
                ("backed_up", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "passkeys", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PasskeyChallenge",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("challenge_hash", fields.CharField(unique=True, max_length=64)),
                ("purpose", fields.CharField(max_length=16)),
                ("user_id", fields.BigIntField(null=True)),
                ("user_handle", fields.CharField(null=True, max_length=128)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "passkey_challenges", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Session",
            name="method",
            field=fields.CharField(default="password", db_default="password", max_length=64),
        ),
    ]
