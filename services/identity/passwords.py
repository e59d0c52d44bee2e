"""Password hashing: bcrypt of a keyed SHA-256 pre-hash, run in worker threads.

bcrypt refuses input over 72 bytes, and 64 characters of "é" are 128. So the password is first
reduced to ``base64(HMAC-SHA-256(key=salt, password))``: 44 bytes whatever its length, and no NUL
byte. Keying the HMAC with the hash's own salt means a leaked list of plain SHA-256 hashes cannot be
tried against our hashes directly ("password shucking"). bcrypt's cost and salt stay as they were.

Stored hashes carry their scheme: ``$hb$`` (this one) or ``$2b$`` (bcrypt of the password itself,
written before the pre-hash existed). A ``$hb$`` hash is a bcrypt hash with its ``$2b$`` prefix
swapped, so it keeps bcrypt's 60 characters and fits the existing column. Old hashes still verify
and are replaced on the next successful login (:func:`upgrade_legacy_hash`).

bcrypt releases the GIL, so hashing in threads keeps logins from stalling the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

import bcrypt

from models import User

T = TypeVar("T")
PREHASHED = "$hb$"  # HMAC-SHA-256 pre-hash, then bcrypt: the scheme written now
BCRYPT = "$2b$"  # what bcrypt writes; alone it marks a legacy hash of the password itself
SALT = slice(7, 29)  # of a bcrypt hash: "$2b$12$", 22 characters of salt, 31 of digest
LEGACY_MAX_BYTES = 72  # a legacy hash can only match a password bcrypt accepted
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
# Hashing is throughput work, requests are latency work: under a flood of logins the event loop's
# thread should get a core first. +5 leaves the loop about 3/4 of a core it shares with a hashing
# thread, and hashing still gets every core nothing else wants.
HASHING_NICENESS = 5


def _lower_priority() -> None:
    if sys.platform == "linux":  # Linux applies nice per thread; elsewhere a thread id is no pid
        with contextlib.suppress(OSError):
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + HASHING_NICENESS))


# One thread per core hashes as fast as the machine can; more threads would only queue on the CPU
# beside the event loop (the default executor has cores + 4).
_HASHING = ThreadPoolExecutor(max_workers=CORES, thread_name_prefix="bcrypt", initializer=_lower_priority)


async def _hashing(function: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, function, *args)


def _prehash(password: str, salt: bytes) -> bytes:
    digest = hmac.new(salt, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def _hash_sync(password: str, rounds: int) -> str:
    setting = bcrypt.gensalt(rounds)  # b"$2b$12$" and 22 characters of salt
    hashed = bcrypt.hashpw(_prehash(password, setting[SALT]), setting).decode("ascii")
    return PREHASHED + hashed.removeprefix(BCRYPT)


def _verify_sync(password: str, hashed: str) -> bool:
    if hashed.startswith(PREHASHED):
        stored = (BCRYPT + hashed.removeprefix(PREHASHED)).encode("ascii")
        return bcrypt.checkpw(_prehash(password, stored[SALT]), stored)
    secret = password.encode("utf-8")
    if len(secret) > LEGACY_MAX_BYTES:
        bcrypt.checkpw(secret[:LEGACY_MAX_BYTES], hashed.encode("ascii"))  # the same time as a real check
        return False
    return bcrypt.checkpw(secret, hashed.encode("ascii"))


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return _hash_sync("dummy password, never matches", rounds)


async def hash_password(password: str, *, rounds: int) -> str:
    """A hash of the current scheme; the caller has checked the password against the rules."""
    return await _hashing(_hash_sync, password, rounds)


async def verify_password(password: str, hashed: str | None, *, rounds: int) -> bool:
    """Check ``password``; with no hash (unknown user, or an account that has no password) spend the same time
    on a dummy one.

    Answering an unknown user as fast as a wrong password would tell an attacker which
    user names exist.
    """
    if not hashed:  # no user, or an account without a password (made by a provider): nothing can match
        await _hashing(_verify_sync, password, await _hashing(_dummy_hash, rounds))
        return False
    return await _hashing(_verify_sync, password, hashed)


def is_legacy(hashed: str) -> bool:
    """Whether ``hashed`` predates the pre-hash and should be replaced once the password is known."""
    return not hashed.startswith(PREHASHED)


async def upgrade_legacy_hash(user: User, password: str, *, rounds: int) -> None:
    """After ``password`` verified against ``user``'s legacy hash, store it under the current scheme.

    Written only if the row still holds the hash that was checked, so a password change made in
    the meantime is never overwritten with the old password.
    """
    if not is_legacy(user.password_hash):
        return
    hashed = await hash_password(password, rounds=rounds)
    if await User.filter(id=user.id, password_hash=user.password_hash).update(password_hash=hashed):
        user.password_hash = hashed
