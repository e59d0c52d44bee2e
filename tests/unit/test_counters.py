"""Rate-limit counters, in memory and (with TEST_REDIS_URL) in Redis: an attempt counts in all its counters or none."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from services.throttle import RULES
from services.throttle_counters import Counters, MemoryCounters, RedisCounters, Slot
from settings import Settings

KINDS = ["memory"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture(params=KINDS)
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[Counters]:
    if request.param == "memory":
        yield MemoryCounters()
        return
    url, prefix = os.environ["TEST_REDIS_URL"], f"test-{uuid.uuid4().hex}:"
    found: Counters = RedisCounters(url, prefix)
    yield found
    await found.close()
    client = redis.from_url(url)
    async for key in client.scan_iter(f"{prefix}*"):
        await client.delete(key)
    await client.aclose()


async def test_an_attempt_is_counted_up_to_the_limit_then_refused(counters: Counters) -> None:
    slot = Slot("k", limit=2, window=60)

    verdicts = [await counters.reserve([slot]) for _ in range(3)]

    assert verdicts[:2] == [None, None]
    refused = verdicts[2]
    assert refused is not None and refused.value == 2 and 0 < refused.retry_after <= 60


async def test_a_refused_attempt_is_counted_in_none_of_its_counters(counters: Counters) -> None:
    full, roomy = Slot("full", limit=1, window=60), Slot("roomy", limit=2, window=60)
    assert await counters.reserve([full]) is None

    for _ in range(3):
        assert await counters.reserve([roomy, full]) is not None

    assert await counters.reserve([roomy]) is None  # still room for two: the refusals were not counted
    assert await counters.reserve([roomy]) is None


async def test_release_gives_back_one_and_never_goes_below_zero(counters: Counters) -> None:
    slot = Slot("k", limit=1, window=60)
    assert await counters.reserve([slot]) is None

    await counters.release(["k", "never-counted"])
    await counters.release(["k"])

    assert await counters.reserve([slot]) is None
    assert await counters.reserve([slot]) is not None


async def test_clear_wipes_a_count(counters: Counters) -> None:
    slot = Slot("k", limit=1, window=60)
    await counters.reserve([slot])

    await counters.clear(["k"])

    assert await counters.reserve([slot]) is None


def test_every_rule_names_a_declared_limit_and_window() -> None:
    declared = Settings.model_fields
    for rule in RULES.values():
        assert rule.limit in declared and rule.window in declared
        assert set(rule.per) <= {"account", "address", "email"}
