"""bcrypt hashing, run in worker threads: bcrypt releases the GIL, so logins don't stall the event loop."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import bcrypt


def _hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _verify_sync(password: str, hashed: str) -> bool:
    return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return _hash_sync("dummy password, never matches", rounds)


async def hash_password(password: str, *, rounds: int) -> str:
    """The caller has checked the size (8..72 bytes); bcrypt raises on longer input."""
    return await asyncio.to_thread(_hash_sync, password, rounds)


async def verify_password(password: str, hashed: str | None, *, rounds: int) -> bool:
    """Check ``password``; with no hash (unknown user) spend the same time on a dummy one.

    Answering an unknown user as fast as a wrong password would tell an attacker which
    user names exist.
    """
    if hashed is None:
        await asyncio.to_thread(_verify_sync, password, await asyncio.to_thread(_dummy_hash, rounds))
        return False
    return await asyncio.to_thread(_verify_sync, password, hashed)
