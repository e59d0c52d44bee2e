from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_two_factor")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="OutboxMail",
            index=Index(fields=["status", "created_at"]),
        ),
    ]
