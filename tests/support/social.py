"""GraphQL documents and helpers for the people tests (follow, requests, blocks, directory)."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from tests.support import Account, Api, Result

PERSON = (
    "userName followersCount followingCount viewerRelationship { following followedBy requested requestedBy blocking }"
)
PAGE = (
    "totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor } "
    "edges { cursor followedAt node { userName } }"
)

FOLLOW = f"mutation Follow($userName: String!) {{ follow(userName: $userName) {{ status user {{ {PERSON} }} }} }}"
UNFOLLOW = f"mutation Unfollow($userName: String!) {{ unfollow(userName: $userName) {{ {PERSON} }} }}"
REMOVE_FOLLOWER = f"mutation Remove($userName: String!) {{ removeFollower(userName: $userName) {{ {PERSON} }} }}"
APPROVE = f"mutation Approve($userName: String!) {{ approveFollowRequest(userName: $userName) {{ {PERSON} }} }}"
REJECT = f"mutation Reject($userName: String!) {{ rejectFollowRequest(userName: $userName) {{ {PERSON} }} }}"
BLOCK = f"mutation Block($userName: String!) {{ block(userName: $userName) {{ {PERSON} }} }}"
UNBLOCK = f"mutation Unblock($userName: String!) {{ unblock(userName: $userName) {{ {PERSON} }} }}"

PERSON_QUERY = f"query Person($userName: String!) {{ user(userName: $userName) {{ {PERSON} }} }}"
FOLLOWERS = f"""
query Followers($userName: String!, $first: Int, $after: String) {{
  user(userName: $userName) {{ followers(first: $first, after: $after) {{ {PAGE} }} }}
}}"""
FOLLOWING = f"""
query Following($userName: String!, $first: Int, $after: String) {{
  user(userName: $userName) {{ following(first: $first, after: $after) {{ {PAGE} }} }}
}}"""
FOLLOW_REQUESTS = (
    f"query Requests($first: Int, $after: String) {{ followRequests(first: $first, after: $after) {{ {PAGE} }} }}"
)
BLOCKED_USERS = (
    f"query Blocked($first: Int, $after: String) {{ blockedUsers(first: $first, after: $after) {{ {PAGE} }} }}"
)
DIRECTORY = f"""
query Directory($query: String!, $first: Int, $after: String) {{
  users(query: $query, first: $first, after: $after) {{ {PAGE} }}
}}"""
MAKE_PRIVATE = "mutation Private($on: Boolean!) { updateProfile(input: {accountPrivacy: $on}) { userName } }"


async def act(api: Api, document: str, actor: Account, user_name: str) -> Result:
    return await api.execute(document, {"userName": user_name}, token=actor.token)


async def follow(api: Api, actor: Account, user_name: str) -> str:
    """Follow and return the status; fails the test on an error."""
    result = await act(api, FOLLOW, actor, user_name)
    assert not result.errors, result.body
    return str(result.data["follow"]["status"])


async def person(api: Api, viewer: Account, user_name: str) -> dict[str, Any] | None:
    result = await act(api, PERSON_QUERY, viewer, user_name)
    assert not result.errors, result.body
    user: dict[str, Any] | None = result.data["user"]
    return user


async def counts(api: Api, viewer: Account, user_name: str) -> tuple[int, int]:
    """(followersCount, followingCount) of a user, as the API shows them."""
    user = await person(api, viewer, user_name)
    assert user is not None
    return user["followersCount"], user["followingCount"]


async def names(api: Api, document: str, viewer: Account, **variables: Any) -> list[str]:
    """The userNames of one page of a list (the only connection in the answer)."""
    result = await api.execute(document, variables, token=viewer.token)
    assert not result.errors, result.body
    return [edge["node"]["userName"] for edge in connection(result)["edges"]]


def connection(result: Result) -> dict[str, Any]:
    data = result.data
    while "edges" not in data:
        (data,) = data.values()
    return dict(data)


# A follow counts while it is accepted and the user on its other side is neither deactivated nor suspended.
COUNTED = "AND f.accepted = TRUE AND o.account_deleted = FALSE AND o.suspended_at IS NULL"


async def rows_agree_with_counters(backend: str) -> list[tuple[str, int, int, int, int]]:
    """Users whose stored counters differ from their follow rows (an empty list when all agree)."""
    db = Tortoise.get_connection(backend)
    _, rows = await db.execute_query(
        "SELECT u.user_name, u.followers_count, u.following_count, "  # noqa: S608 - this module's constant SQL
        f"(SELECT COUNT(*) FROM follows f JOIN users o ON o.id = f.follower_id WHERE f.followee_id = u.id {COUNTED}) "
        "AS followers, "
        f"(SELECT COUNT(*) FROM follows f JOIN users o ON o.id = f.followee_id WHERE f.follower_id = u.id {COUNTED}) "
        "AS following "
        "FROM users u"
    )
    return [
        (row["user_name"], row["followers_count"], row["followers"], row["following_count"], row["following"])
        for row in map(dict, rows)
        if (row["followers_count"], row["following_count"]) != (row["followers"], row["following"])
    ]
