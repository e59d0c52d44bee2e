"""The challenges of passkey ceremonies: random, single use, for CHALLENGE_SECONDS, kept server-side.

``issue`` stores a new challenge (only its SHA-256) with what the ceremony is for; ``consume`` takes it back
once. Consuming is atomic: in the database one conditional DELETE of the row (of two requests presenting
one challenge, exactly one deletes it), in Redis (REDIS_URL) one GETDEL. So a replayed response is refused
even when both copies arrive at once. A challenge past its time is refused as expired; one never issued,
or already consumed, as used.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis.asyncio as redis

from models import PasskeyChallenge
from settings import Settings

CHALLENGE_BYTES = 32  # 256 bits; WebAuthn asks for at least 16
CHALLENGE_SECONDS = 300  # 5 minutes to answer
KEEP_EXPIRED_SECONDS = 3600  # an expired challenge is kept this long, to be told apart from a replayed one
REGISTRATION, AUTHENTICATION = "registration", "authentication"


@dataclass(frozen=True)
class Issued:
    """What a challenge was issued for."""

    purpose: str
    user_id: int | None
    user_handle: str | None
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _redis_key(settings: Settings, digest: str) -> str:
    return f"{settings.redis_prefix}passkey-challenge:{digest}"


async def issue(
    purpose: str, *, settings: Settings, user_id: int | None = None, user_handle: str | None = None
) -> bytes:
    """A new random challenge for ``purpose``, stored with the account it concerns."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    now = _now()
    issued = Issued(purpose, user_id, user_handle, now + timedelta(seconds=CHALLENGE_SECONDS))
    if settings.redis_url:
        value = json.dumps(
            {
                "purpose": purpose,
                "user_id": user_id,
                "user_handle": user_handle,
                "expires_at": issued.expires_at.timestamp(),
            }
        )
        async with redis.from_url(settings.redis_url) as client:  # passkey ceremonies are rare: no pool kept
            await client.set(
                _redis_key(settings, _digest(challenge)), value, ex=CHALLENGE_SECONDS + KEEP_EXPIRED_SECONDS
            )
        return challenge
    # Challenges nobody answered pile up otherwise: each issue sweeps those long past (one indexed DELETE).
    await PasskeyChallenge.filter(expires_at__lt=now - timedelta(seconds=KEEP_EXPIRED_SECONDS)).delete()
    await PasskeyChallenge.create(
        challenge_hash=_digest(challenge),
        purpose=purpose,
        user_id=user_id,
        user_handle=user_handle,
        expires_at=issued.expires_at,
    )
    return challenge


async def consume(challenge: bytes, *, settings: Settings) -> Issued | None:
    """Take the challenge back, once: what it was issued for, or None when it was never issued or is already
    consumed (a replay). The caller checks the purpose and the expiry (``Issued.expired``)."""
    digest = _digest(challenge)
    if settings.redis_url:
        async with redis.from_url(settings.redis_url) as client:
            raw = await client.getdel(_redis_key(settings, digest))
        if raw is None:
            return None
        stored = json.loads(raw)
        return Issued(
            stored["purpose"],
            stored["user_id"],
            stored["user_handle"],
            datetime.fromtimestamp(stored["expires_at"], UTC),
        )
    row = await PasskeyChallenge.filter(challenge_hash=digest).first()
    if row is None:
        return None
    # The conditional delete is the claim: of two requests that read the row, one deletes it, the other none.
    if not await PasskeyChallenge.filter(id=row.id).delete():
        return None
    return Issued(row.purpose, row.user_id, row.user_handle, row.expires_at)
