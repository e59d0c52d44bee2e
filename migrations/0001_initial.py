from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="User",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("user_name", fields.CharField(max_length=25)),
                ("user_name_key", fields.CharField(unique=True, max_length=25)),
                ("first_name", fields.CharField(default="", max_length=50)),
                ("last_name", fields.CharField(default="", max_length=50)),
                ("email", fields.CharField(null=True, max_length=254)),
                ("email_key", fields.CharField(null=True, unique=True, max_length=254)),
                ("phone_number", fields.CharField(null=True, unique=True, max_length=16)),
                ("bio", fields.CharField(null=True, max_length=200)),
                ("profile_image", fields.CharField(null=True, max_length=2048)),
                ("followers_count", fields.IntField(default=0)),
                ("following_count", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("account_deleted", fields.BooleanField(default=False)),
                ("password_hash", fields.CharField(max_length=60)),
                ("token_version", fields.IntField(default=0)),
            ],
            options={"table": "users", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserProfile",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.OneToOneField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="profile",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("website", fields.CharField(null=True, max_length=2048)),
                ("gender", fields.CharField(null=True, max_length=20)),
                ("push_notifications", fields.BooleanField(default=False)),
                ("account_privacy", fields.BooleanField(default=False)),
                ("verified", fields.BooleanField(default=False)),
            ],
            options={"table": "user_profiles", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
