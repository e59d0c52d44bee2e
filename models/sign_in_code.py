"""Passwordless sign-in: a code and a link mailed together (services/identity/sign_in_codes.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import EMAIL_MAX, User


class SignInCode(Model):
    """A mailed sign-in: a 6-digit code and a link token, stored as keyed hashes.

    Either one signs in, once: the row is the grant, consumed by one conditional UPDATE.

    A request for an address no account has gets a row too (``user`` null, its code and token known to no
    one), so every answer about an address's codes (wrong, expired, used, too many tries) is the same
    whether or not an account has it.
    """

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sign_in_codes", null=True, on_delete=fields.OnDelete.CASCADE
    )
    user_id: int | None
    email_key = fields.CharField(max_length=EMAIL_MAX)  # the address asked for, as compared (validation.email_key)
    code_hash = fields.CharField(max_length=64)  # HMAC-SHA256 hex of the address and the code
    token_hash = fields.CharField(max_length=64, unique=True)  # HMAC-SHA256 hex of the link's token
    token_version = fields.IntField(default=0)  # the user's when issued: a password change or logoutAll ends it
    attempts = fields.IntField(default=0)  # tries of the code; at MAX_ATTEMPTS the row is spent
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)  # consumed, or replaced by a newer request for the address

    class Meta:
        table = "sign_in_codes"
        indexes = (("email_key", "id"),)  # the newest row of an address
