from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0017_data_exports")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="profile_image_key",
            field=fields.CharField(null=True, max_length=200),
        ),
    ]
