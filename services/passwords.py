"""bcrypt hashing, run in worker threads: bcrypt releases the GIL, so logins don't stall the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

import bcrypt

T = TypeVar("T")
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


def _hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _verify_sync(password: str, hashed: str) -> bool:
    return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return _hash_sync("dummy password, never matches", rounds)


async def hash_password(password: str, *, rounds: int) -> str:
    """The caller has checked the size (8..72 bytes); bcrypt raises on longer input."""
    return await _hashing(_hash_sync, password, rounds)


async def verify_password(password: str, hashed: str | None, *, rounds: int) -> bool:
    """Check ``password``; with no hash (unknown user) spend the same time on a dummy one.

    Answering an unknown user as fast as a wrong password would tell an attacker which
    user names exist.
    """
    if hashed is None:
        await _hashing(_verify_sync, password, await _hashing(_dummy_hash, rounds))
        return False
    return await _hashing(_verify_sync, password, hashed)
