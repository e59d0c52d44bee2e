"""Two-factor sign-in: a user's TOTP secret (encrypted) and recovery codes (hashed).

Whether 2FA is on lives on the user row (``User.two_factor_enabled``), so a login of a user without
it reads nothing more than before.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import User


class TwoFactorSecret(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="two_factor_secret", on_delete=fields.OnDelete.CASCADE
    )
    # A Fernet token of the base32 secret (TOTP_ENCRYPTION_KEY); never the secret itself.
    encrypted_secret = fields.CharField(max_length=255)
    # Null while the setup waits for its first code (confirmTwoFactor).
    confirmed_at = fields.DatetimeField(null=True)
    # The latest 30-second step whose code was accepted: a code of that step or an earlier one is
    # refused, so a code works once even inside its window. Claimed by a conditional UPDATE.
    last_used_step = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "two_factor_secrets"


class RecoveryCode(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.OnDelete.CASCADE
    )
    code_hash = fields.CharField(max_length=64)  # SHA-256 hex of an 80-bit random code; the code is never stored
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "recovery_codes"
        unique_together = (("user", "code_hash"),)
