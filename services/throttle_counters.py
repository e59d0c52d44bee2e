"""Fixed-window counters for rate limits: in memory for one process, in Redis for several.

An attempt is counted before the work it guards (``reserve``), in every counter it concerns at once or
in none, so attempts fired together can never pass a limit between a check and a count. What the
outcome makes undeserved is then given back (``release``) or wiped (``clear``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis


@dataclass(frozen=True)
class Slot:
    """One counter an attempt is counted in: its key, how many a window allows, the window in seconds."""

    key: str
    limit: int
    window: int


@dataclass(frozen=True)
class Count:
    value: int
    retry_after: int  # seconds until the window resets


class Counters(Protocol):
    async def reserve(self, slots: Sequence[Slot]) -> Count | None:
        """Count one in every slot, or, if any is at its limit, in none: then that slot's count."""

    async def release(self, keys: Sequence[str]) -> None:
        """Give back one counted attempt per key (never below zero, never into a window that has reset)."""

    async def clear(self, keys: Sequence[str]) -> None: ...
    async def close(self) -> None: ...


class MemoryCounters:
    """Per process: right for one worker; with several, use Redis so they share counts.

    Each method runs without awaiting, so on the event loop it is atomic.
    """

    PRUNE_ABOVE = 100_000

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    async def reserve(self, slots: Sequence[Slot]) -> Count | None:
        for slot in slots:
            value, resets_at = self._live(slot.key)
            if value >= slot.limit:
                return Count(value, _seconds_until(resets_at))
        now = time.monotonic()
        for slot in slots:
            value, resets_at = self._live(slot.key)
            self._counts[slot.key] = (value + 1, resets_at if value else now + slot.window)
        if len(self._counts) > self.PRUNE_ABOVE:
            self._prune()
        return None

    async def release(self, keys: Sequence[str]) -> None:
        for key in keys:
            value, resets_at = self._live(key)
            if value > 0:
                self._counts[key] = (value - 1, resets_at)

    async def clear(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._counts.pop(key, None)

    async def close(self) -> None:
        self._counts.clear()

    def _live(self, key: str) -> tuple[int, float]:
        value, resets_at = self._counts.get(key, (0, 0.0))
        return (value, resets_at) if resets_at > time.monotonic() else (0, 0.0)

    def _prune(self) -> None:
        now = time.monotonic()
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}


# KEYS: the counters; ARGV: limit and window of each, in turn. Redis runs a script alone, so the
# check and the count are one step for every worker and instance. Returns {0, 0} when counted,
# else {count, milliseconds left} of the first counter at its limit.
_RESERVE = """
for i, key in ipairs(KEYS) do
  local value = tonumber(redis.call('GET', key) or '0')
  if value >= tonumber(ARGV[2 * i - 1]) then
    return {value, redis.call('PTTL', key)}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[2 * i], 'NX')
  redis.call('INCR', key)
end
return {0, 0}
"""

# DECR keeps the key's expiry; a key that has expired is left alone rather than recreated at -1.
_RELEASE = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
"""


class RedisCounters:
    """Shared by every worker and instance that points at the same Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.from_url(url)
        self._prefix = prefix
        self._reserve = self._redis.register_script(_RESERVE)
        self._release = self._redis.register_script(_RELEASE)

    async def reserve(self, slots: Sequence[Slot]) -> Count | None:
        args = [number for slot in slots for number in (slot.limit, slot.window)]
        value, ttl = await self._reserve(keys=[self._prefix + slot.key for slot in slots], args=args)
        return Count(int(value), _ms_to_seconds(ttl)) if int(value) else None

    async def release(self, keys: Sequence[str]) -> None:
        if keys:
            await self._release(keys=[self._prefix + key for key in keys])

    async def clear(self, keys: Sequence[str]) -> None:
        if keys:
            await self._redis.delete(*(self._prefix + key for key in keys))

    async def close(self) -> None:
        await self._redis.aclose()


def _seconds_until(moment: float) -> int:
    return max(0, math.ceil(moment - time.monotonic()))


def _ms_to_seconds(ttl_ms: int) -> int:
    return max(0, (int(ttl_ms) + 999) // 1000)


def counters_for(redis_url: str, prefix: str) -> Counters:
    return RedisCounters(redis_url, prefix) if redis_url else MemoryCounters()
