from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0016_webhook_events")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DataExport",
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
                        related_name="data_exports",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("status", fields.CharField(default="pending", max_length=10)),
                ("requested_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("link_base", fields.CharField(max_length=2048)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_error", fields.CharField(null=True, max_length=500)),
                ("ready_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("storage_key", fields.CharField(null=True, max_length=255)),
                ("size", fields.BigIntField(null=True)),
                ("token_hash", fields.CharField(null=True, max_length=64)),
                ("token_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "data_exports",
                "app": "models",
                "indexes": [
                    Index(fields=["status", "next_attempt_at"]),
                    Index(fields=["user_id", "requested_at"]),
                    Index(fields=["status", "expires_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
