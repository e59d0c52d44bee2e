from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0014_provider_sign_in")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ProviderSignIn",
            name="link_email",
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name="ProviderSignIn",
            name="link_subject",
            field=fields.CharField(null=True, max_length=255),
        ),
    ]
