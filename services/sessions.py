"""Refresh tokens: random, stored only as a hash, rotated on every use, revoked by family."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models import RefreshToken, User
from services.audit import security_event
from services.errors import InvalidInput, Unauthenticated
from services.validation import require_str
from settings import Settings

TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 256
INVALID = "The refresh token is invalid, expired or revoked; log in again."


@dataclass(frozen=True)
class IssuedRefreshToken:
    token: str
    expires_in: int  # seconds


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _clean(token: object) -> str:
    text = require_str(token, "refreshToken")
    if not text or len(text) > MAX_TOKEN_LENGTH:
        raise InvalidInput("refreshToken is not a refresh token.", field="refreshToken")
    return text


async def issue(user: User, settings: Settings, *, family: str | None = None) -> IssuedRefreshToken:
    """A new refresh token, the first of a new family unless ``family`` is given."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await RefreshToken.create(
        user=user,
        family=family or uuid.uuid4().hex,
        token_hash=_digest(token),
        expires_at=_now() + timedelta(seconds=settings.refresh_token_ttl),
    )
    return IssuedRefreshToken(token=token, expires_in=settings.refresh_token_ttl)


async def rotate(token: object, settings: Settings, *, address: str) -> tuple[User, IssuedRefreshToken]:
    """Spend a refresh token for a new one. A second use of one token revokes its whole family."""
    record = await RefreshToken.filter(token_hash=_digest(_clean(token))).first()
    now = _now()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise Unauthenticated(INVALID)
    # Compare-and-set: of two requests presenting the same token, exactly one gets to rotate it.
    claimed = await RefreshToken.filter(id=record.id, rotated_at=None, revoked_at=None).update(rotated_at=now)
    if not claimed:
        await RefreshToken.filter(family=record.family, revoked_at=None).update(revoked_at=now)
        security_event("refresh_token_reused", user_id=record.user_id, address=address)  # type: ignore[attr-defined]
        raise Unauthenticated("This refresh token was already used; the session is revoked. Log in again.")
    user = await User.filter(id=record.user_id).select_related("profile").first()  # type: ignore[attr-defined]
    if user is None:
        raise Unauthenticated(INVALID)
    return user, await issue(user, settings, family=record.family)


async def revoke(token: object) -> None:
    """Log out of one session: every refresh token of its family."""
    record = await RefreshToken.filter(token_hash=_digest(_clean(token))).first()
    if record is not None:
        await RefreshToken.filter(family=record.family, revoked_at=None).update(revoked_at=_now())


async def revoke_all(user_id: int) -> None:
    await RefreshToken.filter(user_id=user_id, revoked_at=None).update(revoked_at=_now())
