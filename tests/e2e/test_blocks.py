"""Blocks: what a block ends, and how the blocked user loses sight of the blocker everywhere."""

from __future__ import annotations

from tests.social import (
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
from tests.support import Api


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
    blocked_back = await act(api, BLOCK, bob, "ann")

    assert (refused.code, refused.field) == ("NOT_FOUND", "userName")  # as if ann did not exist
    assert (blocked_back.code, blocked_back.field) == ("NOT_FOUND", "userName")
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
