from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_account_lifecycle")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OneTimeToken",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="one_time_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("purpose", fields.CharField(max_length=20)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("email", fields.CharField(max_length=254)),
                ("token_version", fields.IntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "one_time_tokens",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A token mailed to a user, stored only as a keyed hash.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMail",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("template", fields.CharField(max_length=40)),
                ("recipient", fields.CharField(max_length=254)),
                ("data", fields.TextField(unique=False)),
                ("status", fields.CharField(default="pending", max_length=10)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_error", fields.CharField(null=True, max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "outbox_mails",
                "app": "models",
                "indexes": [Index(fields=["status", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "A mail to send, written with the change that causes it.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="email_verified",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
