"""The two entities of the spec: a ``User`` and its one-to-one ``UserProfile``."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

USER_NAME_MAX = 25
NAME_MAX = 50
EMAIL_MAX = 254  # RFC 5321 path limit
PHONE_MAX = 16  # "+" and at most 15 digits (E.164)
BIO_MAX = 200
URL_MAX = 2048
GENDER_MAX = 20
NAME_KEY_MAX = 3 * NAME_MAX  # casefold() may lengthen a name (ß -> ss)
FULL_NAME_KEY_MAX = 2 * NAME_KEY_MAX + 1
SUSPENSION_REASON_MAX = 500
PICTURE_KEY_MAX = 200


class User(Model):
    id = fields.BigIntField(primary_key=True)
    user_name = fields.CharField(max_length=USER_NAME_MAX)
    # Case-folded copies carry the unique constraints, so "Ann" and "ann" are one name
    # on every backend. On MySQL/MariaDB migration 0002 gives these three columns a binary
    # collation (the default one ignores accents too); a migration altering them must keep it.
    user_name_key = fields.CharField(max_length=USER_NAME_MAX, unique=True)
    first_name = fields.CharField(max_length=NAME_MAX, default="")
    last_name = fields.CharField(max_length=NAME_MAX, default="")
    # Case-folded search keys for the directory's prefix search (services/people/directory.py keeps them in step
    # with the names). Binary collation on MySQL/MariaDB and "C" on PostgreSQL (migration 0004), so a
    # prefix is one index range on every backend.
    last_name_key = fields.CharField(max_length=NAME_KEY_MAX, default="", db_default="")
    full_name_key = fields.CharField(max_length=FULL_NAME_KEY_MAX, default="", db_default="")
    email = fields.CharField(max_length=EMAIL_MAX, null=True)
    email_key = fields.CharField(max_length=EMAIL_MAX, null=True, unique=True)
    # Proven by a token mailed to `email`; an email change sets it back to false.
    email_verified = fields.BooleanField(default=False, db_default=False)  # db_default: existing rows get false
    phone_number = fields.CharField(max_length=PHONE_MAX, null=True, unique=True)
    bio = fields.CharField(max_length=BIO_MAX, null=True)
    profile_image = fields.CharField(max_length=URL_MAX, null=True)  # an external picture's URL, as sent
    # An uploaded picture (services/media/profile_images.py): the stem of its stored files' keys, e.g.
    # "avatars/<32 hex>.webp"; null when there is none. profile_image is null while it is set.
    profile_image_key = fields.CharField(max_length=PICTURE_KEY_MAX, null=True)
    followers_count = fields.IntField(default=0)
    following_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    account_deleted = fields.BooleanField(default=False)  # deactivated by its owner (see services.accounts.lifecycle)
    deactivated_at = fields.DatetimeField(null=True)  # when; restorable for ACCOUNT_RESTORE_DAYS after it
    suspended_at = fields.DatetimeField(null=True)  # set by an admin (suspendUser); null when not suspended
    suspension_reason = fields.CharField(max_length=SUSPENSION_REASON_MAX, null=True)  # for admins only
    # Granted only by `python main.py create-admin`; no input type can set it.
    is_admin = fields.BooleanField(default=False, db_default=False)  # db_default: existing rows get false
    password_hash = fields.CharField(max_length=60)
    # Two-factor sign-in is on (services/identity/two_factor.py); the secret is in two_factor_secrets.
    two_factor_enabled = fields.BooleanField(default=False, db_default=False)  # db_default: existing rows get false
    # Bumped on password change: every token issued before carries the old number.
    token_version = fields.IntField(default=0)

    profile: fields.BackwardOneToOneRelation[UserProfile]

    class Meta:
        table = "users"
        indexes = (
            Index(fields=("full_name_key",), name="users_full_name_key"),
            Index(fields=("last_name_key",), name="users_last_name_key"),
        )


class UserProfile(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="profile", on_delete=fields.OnDelete.CASCADE
    )
    website = fields.CharField(max_length=URL_MAX, null=True)
    gender = fields.CharField(max_length=GENDER_MAX, null=True)
    push_notifications = fields.BooleanField(default=False)
    account_privacy = fields.BooleanField(default=False)
    verified = fields.BooleanField(default=False)

    class Meta:
        table = "user_profiles"
