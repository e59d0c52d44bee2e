"""Sessions: one per sign-in, each with a chain of refresh tokens, one of them live at a time."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import User

SESSION_ID_LENGTH = 32  # uuid4 hex: random, so an id names a session without revealing how many exist
END_REASON_LENGTH = 16  # the longest of services.identity.refusals' reasons a revocation records
USER_AGENT_MAX = 256
ADDRESS_MAX = 45  # the longest text form of an IPv6 address
METHOD_MAX = 64  # "provider:<name>" with a provider's name


# One sign-in. It ends when revoked (logout, logoutAll, a password change, a reused refresh token),
# when its user is deleted, or at `expires_at` (SESSION_MAX_AGE after sign-in), whichever is first.
# A refresh token is live only while its session is: revoking the session row is what ends every
# token of it, so a rotation racing a revocation cannot leave a token alive. (Comments, not
# docstrings: Tortoise would copy a model's docstring into the table's description.) `end_reason` says
# why it was revoked, as a refused token's `extensions.reason` will: TOKEN_REVOKED when this one session
# was ended (logout, revokeSession, a reused refresh token), SESSION_ENDED when it ended with the others
# (logoutAll, a password or second-factor change, deactivation, suspension); null before it was recorded.
class Session(Model):
    id = fields.CharField(max_length=SESSION_ID_LENGTH, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.OnDelete.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()  # the absolute end; rotation never extends it
    revoked_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=END_REASON_LENGTH, null=True)
    # The client at sign-in, then at its last refresh.
    user_agent = fields.CharField(max_length=USER_AGENT_MAX, null=True)
    ip_address = fields.CharField(max_length=ADDRESS_MAX, null=True)
    # How the session signed in: "password", "passkey" (more to come: "email_code", "provider:<name>").
    method = fields.CharField(max_length=METHOD_MAX, default="password", db_default="password")

    refresh_tokens: fields.ReverseRelation[RefreshToken]

    class Meta:
        table = "sessions"


# One link of a session's chain, spent (`used_at`) on rotation. Presenting a spent one again revokes
# the session: either the client or a thief holds a copy it should not have.
class RefreshToken(Model):
    id = fields.BigIntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="refresh_tokens", on_delete=fields.OnDelete.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)  # SHA-256 hex; the token itself is never stored
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "session_refresh_tokens"
