"""Follow, unfollow, remove a follower; private accounts' requests; the lists and their cursors."""

from __future__ import annotations

import pytest

from services.accounts import registration
from tests.support import DELETE_USER, ME, Account, Api
from tests.support.social import (
    APPROVE,
    FOLLOW,
    FOLLOW_REQUESTS,
    FOLLOWERS,
    FOLLOWING,
    MAKE_PRIVATE,
    REJECT,
    REMOVE_FOLLOWER,
    UNFOLLOW,
    act,
    connection,
    counts,
    follow,
    names,
    person,
)

NOT_FOLLOWING = {"following": False, "followedBy": False, "requested": False, "requestedBy": False, "blocking": False}


async def make_private(api: Api, account: Account, on: bool = True) -> None:
    result = await api.execute(MAKE_PRIVATE, {"on": on}, token=account.token)
    assert not result.errors, result.body


# Following a public account


async def test_following_a_public_account_takes_effect_at_once_and_counts(api: Api) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")

    result = await act(api, FOLLOW, ann, "bob")

    payload = result.data["follow"]
    assert payload["status"] == "FOLLOWING"
    assert payload["user"]["userName"] == "bob"
    assert payload["user"]["followersCount"] == 1
    assert payload["user"]["viewerRelationship"] == {**NOT_FOLLOWING, "following": True}
    assert await counts(api, ann, "ann") == (0, 1)
    assert (await person(api, bob, "ann"))["viewerRelationship"] == {**NOT_FOLLOWING, "followedBy": True}  # type: ignore[index]
    assert await names(api, FOLLOWERS, bob, userName="bob") == ["ann"]
    assert await names(api, FOLLOWING, bob, userName="ann") == ["bob"]


async def test_following_twice_is_one_follow(api: Api) -> None:
    ann = await api.register("ann")
    await api.register("bob")

    assert [await follow(api, ann, "BOB"), await follow(api, ann, "bob")] == ["FOLLOWING", "FOLLOWING"]

    assert await counts(api, ann, "bob") == (1, 0)
    assert await names(api, FOLLOWERS, ann, userName="bob") == ["ann"]


async def test_following_yourself_is_bad_input_and_an_unknown_name_is_not_found(api: Api) -> None:
    ann = await api.register("ann")

    yourself = await act(api, FOLLOW, ann, "Ann")
    unknown = await act(api, FOLLOW, ann, "nobody")
    malformed = await act(api, FOLLOW, ann, "no one")

    assert (yourself.code, yourself.field) == ("BAD_USER_INPUT", "userName")
    assert (unknown.code, unknown.field) == ("NOT_FOUND", "userName")
    assert (malformed.code, malformed.field) == ("BAD_USER_INPUT", "userName")
    assert yourself.data is None and unknown.data is None
    assert await counts(api, ann, "ann") == (0, 0)


@pytest.mark.parametrize("document", [FOLLOW, UNFOLLOW, REMOVE_FOLLOWER, APPROVE, REJECT])
async def test_every_action_needs_a_token(api: Api, document: str) -> None:
    await api.register("bob")

    result = await api.execute(document, {"userName": "bob"})

    assert result.code == "UNAUTHENTICATED"


async def test_the_viewer_has_no_relationship_to_itself(api: Api) -> None:
    ann = await api.register("ann")

    assert (await person(api, ann, "ann"))["viewerRelationship"] is None  # type: ignore[index]


# Unfollow and removeFollower


async def test_unfollow_ends_the_follow_and_unfollowing_a_stranger_is_a_no_op(api: Api) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await api.register("cat")
    await follow(api, ann, "bob")

    ended = await act(api, UNFOLLOW, ann, "bob")
    again = await act(api, UNFOLLOW, ann, "bob")
    stranger = await act(api, UNFOLLOW, ann, "cat")

    assert ended.data["unfollow"]["viewerRelationship"] == NOT_FOLLOWING
    assert ended.data["unfollow"]["followersCount"] == 0
    assert not again.errors and not stranger.errors
    assert await counts(api, ann, "ann") == (0, 0)
    assert await counts(api, ann, "bob") == (0, 0)
    assert (await act(api, UNFOLLOW, ann, "ann")).code == "BAD_USER_INPUT"
    assert (await act(api, UNFOLLOW, ann, "nobody")).code == "NOT_FOUND"


async def test_remove_follower_makes_a_follower_stop_following(api: Api) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    await follow(api, ann, "bob")

    result = await act(api, REMOVE_FOLLOWER, bob, "ann")

    assert result.data["removeFollower"]["userName"] == "ann"
    assert result.data["removeFollower"]["viewerRelationship"] == NOT_FOLLOWING
    assert result.data["removeFollower"]["followingCount"] == 0
    assert await counts(api, bob, "bob") == (0, 0)
    assert not (await act(api, REMOVE_FOLLOWER, bob, "ann")).errors  # again: nothing to remove


# Private accounts


async def test_following_a_private_account_is_a_request_until_it_is_approved(api: Api) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    await make_private(api, bob)

    asked = await act(api, FOLLOW, ann, "bob")

    assert asked.data["follow"]["status"] == "REQUESTED"
    assert asked.data["follow"]["user"]["viewerRelationship"] == {**NOT_FOLLOWING, "requested": True}
    assert await counts(api, ann, "bob") == (0, 0)
    assert await follow(api, ann, "bob") == "REQUESTED"  # asking again is the same request
    assert (await person(api, bob, "ann"))["viewerRelationship"] == {**NOT_FOLLOWING, "requestedBy": True}  # type: ignore[index]
    assert await names(api, FOLLOW_REQUESTS, bob) == ["ann"]
    assert await names(api, FOLLOWERS, bob, userName="bob") == []

    approved = await act(api, APPROVE, bob, "ann")

    assert approved.data["approveFollowRequest"]["viewerRelationship"] == {**NOT_FOLLOWING, "followedBy": True}
    assert approved.data["approveFollowRequest"]["followingCount"] == 1
    assert await counts(api, bob, "bob") == (1, 0)
    assert await names(api, FOLLOW_REQUESTS, bob) == []
    assert await names(api, FOLLOWERS, bob, userName="bob") == ["ann"]
    assert await follow(api, ann, "bob") == "FOLLOWING"
    assert not (await act(api, APPROVE, bob, "ann")).errors  # approving a follower again changes nothing
    assert await counts(api, bob, "bob") == (1, 0)


async def test_approving_without_a_request_is_not_found(api: Api) -> None:
    await api.register("ann")
    bob = await api.register("bob")

    result = await act(api, APPROVE, bob, "ann")

    assert (result.code, result.field) == ("NOT_FOUND", "userName")


async def test_rejecting_and_withdrawing_drop_the_request(api: Api) -> None:
    ann, bob, cat = await api.register("ann"), await api.register("bob"), await api.register("cat")
    await make_private(api, bob)
    await follow(api, ann, "bob")
    await follow(api, cat, "bob")

    rejected = await act(api, REJECT, bob, "ann")
    withdrawn = await act(api, UNFOLLOW, cat, "bob")

    assert rejected.data["rejectFollowRequest"]["viewerRelationship"] == NOT_FOLLOWING
    assert withdrawn.data["unfollow"]["viewerRelationship"] == NOT_FOLLOWING
    assert await names(api, FOLLOW_REQUESTS, bob) == []
    assert await counts(api, bob, "bob") == (0, 0)
    assert not (await act(api, REJECT, bob, "ann")).errors  # nothing left to reject: a no-op


async def test_turning_privacy_off_approves_every_pending_request(api: Api) -> None:
    bob = await api.register("bob")
    await make_private(api, bob)
    fans = [await api.register(f"fan{n}") for n in range(3)]
    for fan in fans:
        assert await follow(api, fan, "bob") == "REQUESTED"

    await make_private(api, bob, on=False)

    assert await counts(api, bob, "bob") == (3, 0)
    assert sorted(await names(api, FOLLOWERS, bob, userName="bob")) == ["fan0", "fan1", "fan2"]
    assert await names(api, FOLLOW_REQUESTS, bob) == []
    for fan in fans:
        assert await counts(api, fan, fan.name) == (0, 1)


async def test_a_private_accounts_lists_show_only_to_owner_followers_and_admins(api: Api) -> None:
    bob, fan, stranger = await api.register("bob"), await api.register("fan"), await api.register("stranger")
    admin = await api.register("root")
    await registration.grant_admin("root")  # as `python main.py create-admin` does; the token stays valid
    await follow(api, bob, "fan")  # bob follows someone: his following list has an entry
    await make_private(api, bob)
    await follow(api, fan, "bob")
    await act(api, APPROVE, bob, "fan")

    for viewer in (bob, fan, admin):
        assert await names(api, FOLLOWERS, viewer, userName="bob") == ["fan"]
        assert await names(api, FOLLOWING, viewer, userName="bob") == ["fan"]
    for document, field in ((FOLLOWERS, "followers"), (FOLLOWING, "following")):
        hidden = await act(api, document, stranger, "bob")
        assert hidden.data == {"user": {field: None}}
        assert not hidden.errors, hidden.body  # null, like email: the page around it stays whole
    # The rest of the profile stays visible, counts and verified included.
    seen = await api.execute(
        "query($n: String!) { user(userName: $n) { userName followersCount followingCount profile { verified } } }",
        {"n": "bob"},
        token=stranger.token,
    )
    assert seen.data["user"] == {
        "userName": "bob",
        "followersCount": 1,
        "followingCount": 1,
        "profile": {"verified": False},
    }


# Lists and cursors


async def test_lists_are_newest_first_and_pages_follow_their_cursors(api: Api) -> None:
    star = await api.register("star")
    fans = [await api.register(f"fan{n}") for n in range(5)]
    for fan in fans:
        await follow(api, fan, "star")

    first = await act(api, FOLLOWERS, star, "star")  # default first: 20
    page = connection(first)
    assert [edge["node"]["userName"] for edge in page["edges"]] == ["fan4", "fan3", "fan2", "fan1", "fan0"]
    assert page["totalCount"] == 5
    assert page["pageInfo"]["hasNextPage"] is False
    assert all(edge["followedAt"] for edge in page["edges"])

    pages, after = [], None
    while True:
        result = await api.execute(FOLLOWERS, {"userName": "star", "first": 2, "after": after}, token=star.token)
        page = connection(result)
        pages.append([edge["node"]["userName"] for edge in page["edges"]])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [["fan4", "fan3"], ["fan2", "fan1"], ["fan0"]]


async def test_a_cursor_stays_valid_while_rows_come_and_go_around_it(api: Api) -> None:
    star = await api.register("star")
    fans = [await api.register(f"fan{n}") for n in range(5)]
    for fan in fans:
        await follow(api, fan, "star")
    first = connection(await api.execute(FOLLOWERS, {"userName": "star", "first": 2}, token=star.token))
    cursor = first["pageInfo"]["endCursor"]  # after fan3

    await act(api, UNFOLLOW, fans[3], "star")  # the entry the cursor points at goes
    await act(api, UNFOLLOW, fans[4], "star")  # and one before it
    await follow(api, await api.register("late"), "star")  # and a new one arrives at the top

    rest = await names(api, FOLLOWERS, star, userName="star", first=2, after=cursor)
    assert rest == ["fan2", "fan1"]


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_first_out_of_range_is_bad_input(api: Api, first: int) -> None:
    star = await api.register("star")

    for document, variables in ((FOLLOWERS, {"userName": "star"}), (FOLLOW_REQUESTS, {})):
        result = await api.execute(document, {**variables, "first": first}, token=star.token)
        assert (result.code, result.field) == ("BAD_USER_INPUT", "first")


@pytest.mark.parametrize("cursor", ["garbage", "", "W10", "WyJ1c2VycyIsImFubiJd"])
async def test_a_cursor_that_is_not_of_the_list_is_bad_input(api: Api, cursor: str) -> None:
    star = await api.register("star")

    result = await api.execute(FOLLOWERS, {"userName": "star", "after": cursor}, token=star.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "after")


async def test_lists_on_me_and_the_follow_requests_need_a_token(api: Api) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await follow(api, ann, "bob")

    mine = await api.execute("{ me { following { totalCount edges { node { userName } } } } }", token=ann.token)
    anonymous = await api.execute(FOLLOW_REQUESTS)

    assert mine.data["me"]["following"] == {"totalCount": 1, "edges": [{"node": {"userName": "bob"}}]}
    assert anonymous.code == "UNAUTHENTICATED"


# Deleting a user


async def test_deleting_a_user_keeps_everyone_elses_counts_true(api: Api) -> None:
    ann, bob, cat = await api.register("ann"), await api.register("bob"), await api.register("cat")
    await follow(api, ann, "bob")
    await follow(api, ann, "cat")
    await follow(api, bob, "ann")
    await follow(api, cat, "bob")

    deleted = await api.execute(DELETE_USER, {"userName": "ann"}, token=ann.token)

    assert not deleted.errors, deleted.body
    assert await counts(api, bob, "bob") == (1, 0)
    assert await counts(api, bob, "cat") == (0, 1)
    assert await names(api, FOLLOWERS, bob, userName="bob") == ["cat"]
    assert (await api.me(bob.token)).data["me"]["followersCount"] == 1
    assert (await api.execute(ME, token=cat.token)).data["me"]["followingCount"] == 1


async def test_a_login_payload_shows_the_users_own_lists_without_a_token(api: Api) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await follow(api, ann, "bob")
    await make_private(api, ann)
    document = """
    mutation($userName: String!, $password: String!) {
      login(userName: $userName, password: $password) {
        user { viewerRelationship { following } following { totalCount edges { node { userName } } } }
      }
    }"""

    result = await api.execute(document, {"userName": "ann", "password": ann.password})

    assert not result.errors, result.body
    assert result.data["login"]["user"] == {
        "viewerRelationship": None,  # the user is the caller signing in
        "following": {"totalCount": 1, "edges": [{"node": {"userName": "bob"}}]},
    }
