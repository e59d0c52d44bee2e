"""Counters under concurrency: followersCount and followingCount always equal the follow rows.

Requests fire at the same moment (after a barrier), for enough rounds that an open race would show.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from settings import Settings
from tests.conftest import TEST_SECRET
from tests.social import (
    BLOCK,
    FOLLOW,
    FOLLOWERS,
    UNBLOCK,
    UNFOLLOW,
    act,
    connection,
    counts,
    rows_agree_with_counters,
)
from tests.support import Account, Api, Result

ROUNDS = 20


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Many accounts from one test address: the registration throttle is not under test here.
    return Settings(
        app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4, rate_limit_enabled=False
    )


async def at_once(*calls: asyncio.Future[Result] | asyncio.Task[Result] | object) -> list[Result]:
    """Run the coroutines together, each released by one barrier."""
    barrier = asyncio.Barrier(len(calls))

    async def released(call: object) -> Result:
        await barrier.wait()
        return await call  # type: ignore[misc]

    return await asyncio.gather(*(released(call) for call in calls))


async def test_fifty_simultaneous_follows_of_one_user_make_fifty(api: Api) -> None:
    star = await api.register("star")
    fans = [await api.register(f"fan{n}") for n in range(50)]

    results = await at_once(*(act(api, FOLLOW, fan, "star") for fan in fans))

    assert [r.data["follow"]["status"] for r in results] == ["FOLLOWING"] * 50, [r.body for r in results if r.errors]
    assert await counts(api, star, "star") == (50, 0)
    page = connection(await api.execute(FOLLOWERS, {"userName": "star", "first": 100}, token=star.token))
    assert (len(page["edges"]), page["totalCount"]) == (50, 50)
    assert await rows_agree_with_counters(api.backend) == []


async def test_a_follow_unfollow_storm_ends_with_counts_equal_to_the_rows(api: Api) -> None:
    people = [await api.register(f"user{n}") for n in range(8)]
    rng = random.Random(11)  # noqa: S311 - a reproducible storm, not a secret

    for _ in range(ROUNDS):
        calls = []
        for actor in people:
            other = rng.choice([p for p in people if p is not actor])
            document = rng.choice([FOLLOW, FOLLOW, UNFOLLOW])
            calls.append(act(api, document, actor, other.name))
            calls.append(
                act(
                    api,
                    FOLLOW if rng.random() < 0.5 else UNFOLLOW,
                    actor,
                    people[0].name if actor is not people[0] else people[1].name,
                )
            )
        results = await at_once(*calls)
        assert not [r.body for r in results if r.errors]

    assert await rows_agree_with_counters(api.backend) == []
    for account in people:
        followers, _ = await counts(api, account, account.name)
        page = connection(await api.execute(FOLLOWERS, {"userName": account.name, "first": 100}, token=account.token))
        assert followers == len(page["edges"]) == page["totalCount"]


async def test_blocks_racing_follows_leave_counts_equal_to_the_rows(api: Api) -> None:
    people = [await api.register(f"user{n}") for n in range(6)]
    rng = random.Random(7)  # noqa: S311 - reproducible

    async def step(actor: Account, other: Account) -> Result:
        document = rng.choice([FOLLOW, FOLLOW, UNFOLLOW, BLOCK, UNBLOCK])
        return await act(api, document, actor, other.name)

    for _ in range(ROUNDS):
        pairs = [(a, b) for a in people for b in people if a is not b]
        chosen = rng.sample(pairs, 12)
        results = await at_once(*(step(a, b) for a, b in chosen))
        # NOT_FOUND (the other blocks the actor) and FORBIDDEN (the actor blocks the other) are answers.
        assert {r.code for r in results if r.errors} <= {"NOT_FOUND", "FORBIDDEN"}, [r.body for r in results]

    assert await rows_agree_with_counters(api.backend) == []
