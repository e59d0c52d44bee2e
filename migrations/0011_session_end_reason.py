from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_outbox_depth_index")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Session",
            name="end_reason",
            field=fields.CharField(null=True, max_length=16),
        ),
    ]
