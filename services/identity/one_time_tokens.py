"""One-time tokens for mails: 256 random bits, stored as a keyed hash, single use, expiring.

Modelled on Ory Kratos' one-time codes: only the HMAC of a token is stored (keyed with a key derived
from JWT_SECRET, so a copy of the table alone is no list of guessable hashes), and a token is consumed
by one conditional UPDATE, so of two requests presenting it exactly one wins.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from models import OneTimeToken, User
from services.accounts.validation import require_str
from services.errors import InvalidInput
from services.identity.purpose_keys import purpose_key
from settings import Settings

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a secret
UNDO_EMAIL_CHANGE = "undo_email_change"  # mailed to the old address: restores it (services.accounts.email_undo)

TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 256
INVALID = "The token is unknown, used or expired; ask for a new mail."


def _now() -> datetime:
    return datetime.now(UTC)


def keyed_digest(token: str, settings: Settings, *, purpose: bytes = b"one-time-tokens") -> str:
    """What a mailed token is kept as: HMAC-SHA256 with a key derived from JWT_SECRET for ``purpose`` alone."""
    return hmac.new(purpose_key(settings.jwt_secret, purpose), token.encode("utf-8"), hashlib.sha256).hexdigest()


def invalid() -> InvalidInput:
    """Unknown, used, expired and outdated tokens are one error: nothing tells them apart."""
    return InvalidInput(INVALID, field="token")


async def issue(*, user: User, purpose: str, email: str, ttl: int, settings: Settings, void_older: bool) -> str:
    """A new token for ``user``, bound to ``email`` and to the user's current token version.

    Call inside the transaction that writes its mail. ``void_older`` ends the user's unused tokens of
    this purpose first (a newer password reset replaces the older one).
    """
    now = _now()
    if void_older:
        await OneTimeToken.filter(user_id=user.id, purpose=purpose, used_at=None).update(used_at=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await OneTimeToken.create(
        user_id=user.id,
        purpose=purpose,
        token_hash=keyed_digest(token, settings),
        email=email,
        token_version=user.token_version,
        expires_at=now + timedelta(seconds=ttl),
    )
    return token


async def find(token: object, *, purpose: str, settings: Settings) -> OneTimeToken:
    """The unused, unexpired token of this purpose; anything else is BAD_USER_INPUT on ``token``."""
    text = require_str(token, "token")
    if not text or len(text) > MAX_TOKEN_LENGTH:
        raise invalid()
    record = await OneTimeToken.filter(
        token_hash=keyed_digest(text, settings), purpose=purpose, used_at=None, expires_at__gt=_now()
    ).first()
    if record is None:
        raise invalid()
    return record


async def consume(record: OneTimeToken) -> None:
    """Mark the token used, if it still is unused and unexpired; else raise. One statement, so atomic."""
    now = _now()
    used = await OneTimeToken.filter(id=record.id, used_at=None, expires_at__gt=now).update(used_at=now)
    if not used:
        raise invalid()
