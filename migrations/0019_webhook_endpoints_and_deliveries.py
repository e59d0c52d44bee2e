from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0018_profile_pictures")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("url", fields.CharField(max_length=2000)),
                ("events", fields.TextField(unique=False)),
                ("secret", fields.TextField(unique=False)),
                ("previous_secret", fields.TextField(null=True, unique=False)),
                ("previous_secret_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("enabled", fields.BooleanField(default=True)),
                ("description", fields.CharField(null=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_endpoints",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A receiver an admin configured: the event types it hears, its signing secret.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.WebhookEvent",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("status", fields.CharField(default="pending", max_length=10)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("lease_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_status_code", fields.IntField(null=True)),
                ("last_error", fields.CharField(null=True, max_length=300)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("delivered_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_deliveries",
                "app": "models",
                "unique_together": (("event", "endpoint"),),
                "indexes": [
                    Index(fields=["status", "next_attempt_at"]),
                    Index(fields=["status", "created_at"]),
                    Index(fields=["endpoint_id", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "One event to one endpoint: pending, then delivered (a 2xx) or failed.",
            },
            bases=["Model"],
        ),
    ]
