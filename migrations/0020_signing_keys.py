from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0019_webhook_endpoints_and_deliveries")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SigningKey",
            fields=[
                ("kid", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=22)),
                ("algorithm", fields.CharField(max_length=8)),
                ("state", fields.CharField(max_length=8)),
                ("active_slot", fields.SmallIntField(null=True, unique=True)),
                ("public_jwk", fields.TextField(unique=False)),
                ("private_key", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("activated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("retired_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "signing_keys",
                "app": "models",
                "pk_attr": "kid",
                "table_description": "One key pair, by its ``kid`` (the header of each token it signs).",
            },
            bases=["Model"],
        ),
    ]
