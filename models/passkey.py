"""Passkeys (WebAuthn credentials) and the challenges of their ceremonies.

A passkey row holds what verifying a later sign-in needs: the credential's public key (COSE, as the
authenticator gave it) and its signature counter. The credential id is looked up by its SHA-256 (a
fixed-length unique key every backend can index; an id may be up to 1023 bytes).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import User

PASSKEY_NAME_MAX = 64
CHALLENGE_PURPOSE_MAX = 16


# One registered passkey of an account (services/identity/passkeys.py). (Comments, not docstrings:
# Tortoise would copy a model's docstring into the table's description.)
class Passkey(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="passkeys", on_delete=fields.OnDelete.CASCADE
    )
    credential_key = fields.CharField(max_length=64, unique=True)  # SHA-256 hex of the credential id
    credential_id = fields.TextField()  # base64url, as browsers name it in allow/exclude lists
    public_key = fields.TextField()  # base64url of the COSE public key
    sign_count = fields.BigIntField(default=0)  # the authenticator's counter; 0 for those that keep none
    # The WebAuthn user handle (base64url) given to the authenticator: random, one per account, never its id.
    user_handle = fields.CharField(max_length=128)
    name = fields.CharField(max_length=PASSKEY_NAME_MAX)
    aaguid = fields.CharField(max_length=36, default="")  # the authenticator model; zeros for most passkeys
    backed_up = fields.BooleanField(default=False)  # synced to a cloud account (a multi-device passkey)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "passkeys"


# A challenge waiting for its ceremony's answer: single use (consumed by one conditional DELETE), for
# CHALLENGE_SECONDS. Only its SHA-256 is kept. With REDIS_URL set challenges live in Redis instead.
class PasskeyChallenge(Model):
    id = fields.BigIntField(primary_key=True)
    challenge_hash = fields.CharField(max_length=64, unique=True)
    purpose = fields.CharField(max_length=CHALLENGE_PURPOSE_MAX)  # "registration" or "authentication"
    # The account: registering, the caller; signing in with a userName, that account's (else null).
    user_id = fields.BigIntField(null=True)
    user_handle = fields.CharField(max_length=128, null=True)  # registering: the handle the options carried
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "passkey_challenges"
