"""The keys one process signs and verifies access tokens with: a snapshot of the signing-key store
(services/identity/signing_keys.py) held in memory, so that no request reads the database for a key.

The snapshot is loaded at start-up (the app's lifespan) or on first use, reloaded on use once older than
SIGNING_KEY_REFRESH_SECONDS, and reloaded early when a token names a kid the snapshot does not know (another
instance may have activated a key since); that early reload happens at most once per ``UNKNOWN_KID_PAUSE``
seconds, so made-up kids cannot make each request read the database. One keyring per Tortoise context (the
process's database): tests with a database each get their own.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime

import jwt
from tortoise.context import TortoiseContext, require_context

from models import SigningKey
from services.identity import signing_keys
from settings import Settings, SettingsError

UNKNOWN_KID_PAUSE = 5.0  # seconds between reloads asked for by unknown kids
NO_ACTIVE_KEY = (
    "There is no active signing key for JWT_ALGORITHM={algorithm}: create one with `python main.py keys generate`."
)


@dataclass(frozen=True, eq=False)
class VerifyingKey:
    """A published public key. Compared by identity: the token cache (access_tokens._verified) remembers a
    verification per key object, and a reload that changes a key makes a new object."""

    kid: str
    algorithm: str
    key: object  # the cryptography public key PyJWT verifies with
    published_until: float | None  # retired: the end of its grace (epoch seconds); else None
    jwk: dict[str, object]

    def valid_at(self, now: float) -> bool:
        return self.published_until is None or now < self.published_until


@dataclass(frozen=True)
class SigningPair:
    kid: str
    algorithm: str
    key: object  # the cryptography private key


@dataclass(frozen=True)
class Keys:
    """One snapshot: the signing key (None: none active), the published keys by kid, and when the first
    asymmetric key became active (HS256 tokens issued before it are honoured until they expire)."""

    signing: SigningPair | None
    verifying: dict[str, VerifyingKey] = field(default_factory=dict)
    asymmetric_since: float | None = None

    def published(self, now: float | None = None) -> list[VerifyingKey]:
        moment = time.time() if now is None else now
        return [key for key in self.verifying.values() if key.valid_at(moment)]

    def require_signing(self, settings: Settings) -> SigningPair:
        if self.signing is None:
            raise SettingsError(NO_ACTIVE_KEY.format(algorithm=settings.jwt_algorithm))
        return self.signing


class Keyring:
    def __init__(self) -> None:
        self._keys: Keys | None = None
        self._loaded_at = 0.0
        self._unknown_kid_at = 0.0
        self._lock: asyncio.Lock | None = None
        self._private: dict[str, SigningPair] = {}  # decrypted once per kid

    @property
    def snapshot(self) -> Keys | None:
        """The keys loaded last, without reading the database (None before the first load)."""
        return self._keys

    async def keys(self, settings: Settings) -> Keys:
        """The current snapshot, reloaded first when older than SIGNING_KEY_REFRESH_SECONDS."""
        if self._keys is None or time.monotonic() - self._loaded_at >= settings.signing_key_refresh_seconds:
            return await self.reload(settings)
        return self._keys

    async def after_unknown_kid(self, settings: Settings) -> Keys | None:
        """A reload for a token naming a kid this process does not know; None when one ran too recently."""
        if time.monotonic() - self._unknown_kid_at < UNKNOWN_KID_PAUSE:
            return None
        self._unknown_kid_at = time.monotonic()
        return await self.reload(settings)

    async def reload(self, settings: Settings) -> Keys:
        """Read the store now. Outside production, with no active key, one is made first (as the development
        secret is)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        started = time.monotonic()
        async with self._lock:
            if self._keys is not None and self._loaded_at >= started:
                return self._keys  # another request reloaded while this one waited
            if not settings.is_production and settings.asymmetric_tokens:
                await signing_keys.ensure_active(settings)
            rows = await SigningKey.all()
            self._keys = self._snapshot(rows, settings)
            self._loaded_at = time.monotonic()
            return self._keys

    def _snapshot(self, rows: list[SigningKey], settings: Settings) -> Keys:
        previous = self._keys.verifying if self._keys is not None else {}
        verifying: dict[str, VerifyingKey] = {}
        signing: SigningPair | None = None
        firsts: list[datetime] = []
        for row in rows:
            if row.activated_at is not None:
                firsts.append(row.activated_at)
            until = signing_keys.info(row, settings).published_until
            ends = None if until is None else until.timestamp()
            known = previous.get(row.kid)
            if known is not None and known.published_until == ends:
                verifying[row.kid] = known  # the same object: the token cache's entries stay valid
            else:
                jwk = json.loads(row.public_jwk)
                verifying[row.kid] = VerifyingKey(row.kid, row.algorithm, jwt.PyJWK(jwk).key, ends, jwk)
            if row.state == signing_keys.ACTIVE:
                if row.kid not in self._private:
                    private = signing_keys.private_key(row, settings)
                    self._private[row.kid] = SigningPair(row.kid, row.algorithm, private)
                signing = self._private[row.kid]
        since = min(firsts).timestamp() if firsts else None
        return Keys(signing=signing, verifying=verifying, asymmetric_since=since)


_keyrings: weakref.WeakKeyDictionary[TortoiseContext, Keyring] = weakref.WeakKeyDictionary()


def keyring() -> Keyring:
    """The keyring of the current database (Tortoise context)."""
    context = require_context()
    ring = _keyrings.get(context)
    if ring is None:
        ring = _keyrings[context] = Keyring()
    return ring
