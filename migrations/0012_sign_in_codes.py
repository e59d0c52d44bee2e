from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_session_end_reason")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SignInCode",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sign_in_codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email_key", fields.CharField(max_length=254)),
                ("code_hash", fields.CharField(max_length=64)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("token_version", fields.IntField(default=0)),
                ("attempts", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "sign_in_codes",
                "app": "models",
                "indexes": [Index(fields=["email_key", "id"])],
                "pk_attr": "id",
                "table_description": "A mailed sign-in: a 6-digit code and a link token, stored as keyed hashes.",
            },
            bases=["Model"],
        ),
    ]
