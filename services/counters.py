"""Fixed-window counters for rate limits: in memory for one process, in Redis for several."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis


@dataclass(frozen=True)
class Count:
    value: int
    retry_after: int  # seconds until the window resets


class Counters(Protocol):
    async def peek(self, key: str) -> Count: ...
    async def hit(self, key: str, window: int) -> Count: ...
    async def clear(self, key: str) -> None: ...
    async def close(self) -> None: ...


class MemoryCounters:
    """Per process: right for one worker; with several, use Redis so they share counts."""

    PRUNE_ABOVE = 100_000

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    async def peek(self, key: str) -> Count:
        value, resets_at = self._live(key)
        return Count(value, _seconds_until(resets_at))

    async def hit(self, key: str, window: int) -> Count:
        value, resets_at = self._live(key)
        if value == 0:
            resets_at = time.monotonic() + window
        self._counts[key] = (value + 1, resets_at)
        if len(self._counts) > self.PRUNE_ABOVE:
            self._prune()
        return Count(value + 1, _seconds_until(resets_at))

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    async def close(self) -> None:
        self._counts.clear()

    def _live(self, key: str) -> tuple[int, float]:
        value, resets_at = self._counts.get(key, (0, 0.0))
        return (value, resets_at) if resets_at > time.monotonic() else (0, 0.0)

    def _prune(self) -> None:
        now = time.monotonic()
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}


class RedisCounters:
    """Shared by every worker and instance that points at the same Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.from_url(url)
        self._prefix = prefix

    async def peek(self, key: str) -> Count:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.pttl(name)
            value, ttl = await pipe.execute()
        return Count(int(value or 0), _ms_to_seconds(ttl))

    async def hit(self, key: str, window: int) -> Count:
        name = self._prefix + key
        # SET NX starts the window once; INCR counts. In one MULTI, so no count outlives its window.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=window, nx=True)
            pipe.incr(name)
            pipe.pttl(name)
            _, value, ttl = await pipe.execute()
        return Count(int(value), _ms_to_seconds(ttl))

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        await self._redis.aclose()


def _seconds_until(moment: float) -> int:
    return max(0, math.ceil(moment - time.monotonic()))


def _ms_to_seconds(ttl_ms: int) -> int:
    return max(0, (int(ttl_ms) + 999) // 1000)


def counters_for(redis_url: str, prefix: str) -> Counters:
    return RedisCounters(redis_url, prefix) if redis_url else MemoryCounters()
