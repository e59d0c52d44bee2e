"""The key pairs access tokens are signed with (JWT_ALGORITHM EdDSA, ES256 or RS256), shared by every instance
through the database and published at ``/.well-known/jwks.json`` (services/identity/signing_keys.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

KID_LENGTH = 22  # secrets.token_urlsafe(16)
ACTIVE_SLOT = 1


class SigningKey(Model):
    """One key pair, by its ``kid`` (the header of each token it signs).

    ``state``: ``next`` (published, not signing yet), ``active`` (signing; at most one), ``retired`` (published
    until the last token it signed has expired, then only listed). ``active_slot`` is 1 on the active key and
    NULL on every other: its unique index is the database's own guarantee that two keys are never active at once
    (NULLs never collide, on every backend). ``private_key`` is a Fernet token (TOTP_ENCRYPTION_KEY) of the PEM,
    never the key itself; ``public_jwk`` is the JSON of the public JWK as the JWKS shows it.
    """

    kid = fields.CharField(max_length=KID_LENGTH, primary_key=True)
    algorithm = fields.CharField(max_length=8)
    state = fields.CharField(max_length=8)
    active_slot = fields.SmallIntField(null=True, unique=True)
    public_jwk = fields.TextField()
    private_key = fields.TextField()
    created_at = fields.DatetimeField()
    activated_at = fields.DatetimeField(null=True)
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_keys"
