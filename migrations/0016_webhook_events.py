from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0015_provider_link_identity")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("type", fields.CharField(max_length=40)),
                ("data", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("dispatched_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_events",
                "app": "models",
                "indexes": [Index(fields=["dispatched_at", "id"])],
                "pk_attr": "id",
                "table_description": (
                    "One account event (``user.created``, ``follow.deleted``...), "
                    "written in the transaction of its change."
                ),
            },
            bases=["Model"],
        ),
    ]
