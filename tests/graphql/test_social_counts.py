"""Counters under concurrency: followersCount and followingCount always equal the follow rows.

Requests fire at the same moment (after a barrier), for enough rounds that an open race would show.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from models import User
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import DELETE_USER, Account, Api, Result
from tests.support.social import (
    BLOCK,
    FOLLOW,
    FOLLOWERS,
    MAKE_PRIVATE,
    UNBLOCK,
    UNFOLLOW,
    act,
    connection,
    counts,
    rows_agree_with_counters,
)

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


DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SUSPEND = """
mutation Suspend($userName: String!, $reason: String!) {
  suspendUser(userName: $userName, reason: $reason) { userName }
}"""
UNSUSPEND = "mutation Unsuspend($userName: String!) { unsuspendUser(userName: $userName) { userName } }"
MAKE_PUBLIC = """
mutation Public($userName: String!) { updateUser(userName: $userName, input: {accountPrivacy: false}) { userName } }
"""
HIDING_ROUNDS = 30


async def _private_with_requests(api: Api, round_: int) -> tuple[Account, list[Account]]:
    """A private account with two pending follow requests, and a requester with another follow (counted)."""
    owner = await api.register(f"owner{round_}")
    assert not (await api.execute(MAKE_PRIVATE, {"on": True}, token=owner.token)).errors
    fans = [await api.register(f"fan{round_}x{n}") for n in range(2)]
    for fan in fans:
        assert (await act(api, FOLLOW, fan, owner.name)).data["follow"]["status"] == "REQUESTED"
    return owner, fans


async def test_going_public_while_deactivating_leaves_counts_equal_to_a_recount(api: Api) -> None:
    for round_ in range(HIDING_ROUNDS):
        owner, _ = await _private_with_requests(api, round_)

        hidden, public = await at_once(
            api.execute(DEACTIVATE, {"password": owner.password}, token=owner.token),
            api.execute(MAKE_PRIVATE, {"on": False}, token=owner.token),
        )

        assert not hidden.errors, hidden.body
        assert not public.errors or public.code == "UNAUTHENTICATED", public.body  # the token died first
        assert await rows_agree_with_counters(api.backend) == [], round_
        assert not (await api.login(owner.name)).errors  # restored: its follows count again
        assert await rows_agree_with_counters(api.backend) == [], round_


async def test_an_admin_making_a_suspended_account_public_leaves_counts_equal_to_a_recount(api: Api) -> None:
    root = await api.register("root")
    await User.filter(user_name_key="root").update(is_admin=True)  # as `python main.py create-admin` does
    for round_ in range(HIDING_ROUNDS):
        owner, _ = await _private_with_requests(api, round_)

        suspended, public = await at_once(
            api.execute(SUSPEND, {"userName": owner.name, "reason": "spam"}, token=root.token),
            api.execute(MAKE_PUBLIC, {"userName": owner.name}, token=root.token),
        )

        assert not suspended.errors and not public.errors, (suspended.body, public.body)
        assert await rows_agree_with_counters(api.backend) == [], round_
        assert not (await api.execute(UNSUSPEND, {"userName": owner.name}, token=root.token)).errors
        assert await rows_agree_with_counters(api.backend) == [], round_


async def test_follows_racing_deactivations_and_deletions_never_fail_and_keep_counts_true(api: Api) -> None:
    """MariaDB chose some of these transactions as deadlock victims: none may answer INTERNAL_SERVER_ERROR."""
    rng = random.Random(5)  # noqa: S311 - reproducible
    people = [await api.register(f"user{n}") for n in range(6)]
    made = len(people)
    for round_ in range(HIDING_ROUNDS):
        leaving, deleted = rng.sample(people, 2)
        calls: list[object] = [
            api.execute(DEACTIVATE, {"password": leaving.password}, token=leaving.token),
            api.execute(DELETE_USER, {"userName": deleted.name}, token=deleted.token),
        ]
        for actor in people:
            for other in rng.sample([p for p in people if p is not actor], 2):
                calls.append(act(api, rng.choice([FOLLOW, FOLLOW, UNFOLLOW]), actor, other.name))

        results = await at_once(*calls)

        # NOT_FOUND (the other left first) and UNAUTHENTICATED (the actor left first) are answers.
        unexpected = [r.body for r in results if r.errors and r.code not in {"NOT_FOUND", "UNAUTHENTICATED"}]
        assert unexpected == [], round_
        assert await rows_agree_with_counters(api.backend) == [], round_
        login = await api.login(leaving.name)
        assert not login.errors, login.body
        leaving.token = login.data["login"]["accessToken"]
        people.remove(deleted)
        people.append(await api.register(f"user{made}"))
        made += 1
        assert await rows_agree_with_counters(api.backend) == [], round_
