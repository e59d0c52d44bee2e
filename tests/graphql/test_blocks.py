"""Blocks: what a block ends, and how the blocked user loses sight of the blocker everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Account, Api
from tests.support.social import (
    BLOCK,
    BLOCKED_USERS,
    DIRECTORY,
    FOLLOW,
    FOLLOW_REQUESTS,
    FOLLOWERS,
    FOLLOWING,
    MAKE_PRIVATE,
    UNBLOCK,
    act,
    counts,
    follow,
    names,
    person,
)


async def test_a_block_ends_follows_both_ways_and_adjusts_the_counts(api: Api) -> None:
    ann, bob, cat = await api.register("ann"), await api.register("bob"), await api.register("cat")
    await follow(api, ann, "bob")
    await follow(api, bob, "ann")
    await follow(api, cat, "ann")
    await follow(api, cat, "bob")

    result = await act(api, BLOCK, ann, "bob")

    assert result.data["block"]["userName"] == "bob"
    assert result.data["block"]["viewerRelationship"] == {
        "following": False,
        "followedBy": False,
        "requested": False,
        "requestedBy": False,
        "blocking": True,
    }
    assert result.data["block"]["followersCount"] == 1  # cat still follows bob
    assert await counts(api, ann, "ann") == (1, 0)  # cat
    assert await counts(api, cat, "bob") == (1, 0)
    assert await names(api, FOLLOWERS, ann, userName="ann") == ["cat"]
    assert await names(api, FOLLOWING, ann, userName="ann") == []
    assert not (await act(api, BLOCK, ann, "bob")).errors  # blocking twice changes nothing
    assert await names(api, BLOCKED_USERS, ann) == ["bob"]


async def test_a_block_drops_pending_requests_either_way(api: Api) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    for account in (ann, bob):
        await api.execute(MAKE_PRIVATE, {"on": True}, token=account.token)
    await follow(api, ann, "bob")
    await follow(api, bob, "ann")

    await act(api, BLOCK, ann, "bob")

    assert await names(api, FOLLOW_REQUESTS, ann) == []
    assert await names(api, FOLLOW_REQUESTS, bob) == []


async def test_the_blocked_user_cannot_follow_or_find_the_blocker(api: Api) -> None:
    ann, bob = await api.register("ann", firstName="Ann"), await api.register("bob")
    cat = await api.register("cat")
    await follow(api, ann, "cat")
    await follow(api, bob, "cat")
    await act(api, BLOCK, ann, "bob")

    refused = await act(api, FOLLOW, bob, "ann")

    assert (refused.code, refused.field) == ("NOT_FOUND", "userName")  # as if ann did not exist
    assert await person(api, bob, "ann") is None
    assert await names(api, DIRECTORY, bob, query="an") == []
    assert await names(api, FOLLOWERS, bob, userName="cat") == ["bob"]  # ann is left out for bob
    assert await names(api, FOLLOWERS, cat, userName="cat") == ["bob", "ann"]  # but not for cat
    # The blocker still sees the blocked user, to unblock.
    assert (await person(api, ann, "bob")) is not None
    assert await names(api, DIRECTORY, ann, query="bo") == ["bob"]


async def test_following_someone_you_block_is_forbidden_until_you_unblock(api: Api) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await act(api, BLOCK, ann, "bob")

    refused = await act(api, FOLLOW, ann, "bob")
    unblocked = await act(api, UNBLOCK, ann, "bob")

    assert (refused.code, refused.field) == ("FORBIDDEN", "userName")
    assert unblocked.data["unblock"]["viewerRelationship"]["blocking"] is False
    assert await names(api, BLOCKED_USERS, ann) == []
    assert await follow(api, ann, "bob") == "FOLLOWING"
    assert not (await act(api, UNBLOCK, ann, "bob")).errors  # no block left: a no-op


async def test_blocking_yourself_or_nobody_is_refused(api: Api) -> None:
    ann = await api.register("ann")

    yourself = await act(api, BLOCK, ann, "ann")
    nobody = await act(api, BLOCK, ann, "nobody")

    assert (yourself.code, yourself.field) == ("BAD_USER_INPUT", "userName")
    assert (nobody.code, nobody.field) == ("NOT_FOUND", "userName")
    assert (await api.execute(BLOCK, {"userName": "ann"})).code == "UNAUTHENTICATED"
    assert (await api.execute(BLOCKED_USERS)).code == "UNAUTHENTICATED"


async def test_blocked_users_are_newest_first_with_cursors(api: Api) -> None:
    ann = await api.register("ann")
    for n in range(3):
        await api.register(f"user{n}")
        await act(api, BLOCK, ann, f"user{n}")

    first = await names(api, BLOCKED_USERS, ann, first=2)
    result = await api.execute(BLOCKED_USERS, {"first": 2}, token=ann.token)
    after = result.data["blockedUsers"]["pageInfo"]["endCursor"]

    assert first == ["user2", "user1"]
    assert result.data["blockedUsers"]["totalCount"] == 3
    assert await names(api, BLOCKED_USERS, ann, first=2, after=after) == ["user0"]


def _answer(result: Any, field: str) -> dict[str, Any]:
    """A block or unblock answer without what differs between any two users (name, counts)."""
    assert not result.errors, result.body
    user = dict(result.data[field])
    return {key: value for key, value in user.items() if key not in {"userName", "followersCount", "followingCount"}}


async def _sees(api: Api, viewer: Account, other: Account) -> bool:
    """Whether the viewer finds the other anywhere: by name, in the directory, in a common friend's followers."""
    found = await person(api, viewer, other.name) is not None
    listed = other.name in await names(api, DIRECTORY, viewer, query=other.name)
    followers = other.name in await names(api, FOLLOWERS, viewer, userName="friend")
    assert found == listed == followers, (found, listed, followers)
    return found


@pytest.mark.parametrize("first", ["dave", "carol"])
async def test_blocking_back_works_whoever_blocked_first_and_answers_as_for_anyone(api: Api, first: str) -> None:
    people = {name: await api.register(name) for name in ("dave", "carol", "erin", "friend")}
    for name in ("dave", "carol"):
        await follow(api, people[name], "friend")
    await follow(api, people["carol"], "dave")
    one, other = (people["dave"], people["carol"]) if first == "dave" else (people["carol"], people["dave"])
    assert not (await act(api, BLOCK, one, other.name)).errors

    back = await act(api, BLOCK, other, one.name)
    anyone = await act(api, BLOCK, other, "erin")  # a user who blocks no one

    assert _answer(back, "block") == _answer(anyone, "block")  # other cannot tell it was blocked
    assert back.data["block"]["userName"] == one.name
    assert not await _sees(api, one, other)
    assert not await _sees(api, other, one)
    assert one.name in await names(api, BLOCKED_USERS, other)
    assert other.name in await names(api, BLOCKED_USERS, one)
    assert (await act(api, FOLLOW, one, other.name)).code == "NOT_FOUND"
    assert (await act(api, FOLLOW, other, one.name)).code == "NOT_FOUND"


@pytest.mark.parametrize("first", ["dave", "carol"])
async def test_each_block_is_lifted_only_by_its_own_unblock(api: Api, first: str) -> None:
    people = {name: await api.register(name) for name in ("dave", "carol", "erin", "friend")}
    for name in ("dave", "carol"):
        await follow(api, people[name], "friend")
    dave, carol = people["dave"], people["carol"]
    assert not (await act(api, BLOCK, dave, "carol")).errors
    assert not (await act(api, BLOCK, carol, "dave")).errors
    await act(api, BLOCK, dave, "erin")
    await act(api, BLOCK, carol, "erin")
    lifting, still = (dave, carol) if first == "dave" else (carol, dave)

    lifted = await act(api, UNBLOCK, lifting, still.name)
    anyone = await act(api, UNBLOCK, lifting, "erin")

    assert _answer(lifted, "unblock") == _answer(anyone, "unblock")
    assert not await _sees(api, lifting, still)  # still blocks lifting: to lifting, still does not exist
    assert await _sees(api, still, lifting)  # a blocker sees whom it blocks, to unblock
    assert await names(api, BLOCKED_USERS, still) == ["erin", lifting.name]
    assert (await act(api, FOLLOW, lifting, still.name)).code == "NOT_FOUND"

    again = await act(api, UNBLOCK, still, lifting.name)

    assert not again.errors, again.body
    assert await _sees(api, lifting, still) and await _sees(api, still, lifting)
    assert await follow(api, lifting, still.name) == "FOLLOWING"
