"""The million-account figures (``--users 1000000``): the same reads at ``--scale-from`` users (10,000) and at
``--users``, side by side, each with its ratio large/small against issue 26's 1.3x.

Each of the two databases also holds one more account, ``user<size>``, followed by ``--star-followers`` of the
others (100,000; all of them in a smaller database), so a followers list is long at either size. The figures:
``user(userName:)`` of random users, a directory prefix search matching 11 users at any size, and the first and
the ``--deep-page``-th (500th) page of 20 of that account's followers. The deep page is asked for as a client
walking the list would: with the cursor of the page before it (the list's own cursor, a follow id, looked up
once while setting up; the request itself never skips rows with OFFSET).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import databases  # bench/databases.py

from schema.pagination import encode_cursor

PAGE = 20
STAR_FOLLOWERS = 100_000
DEEP_PAGE = 500
LIMIT = 1.3  # issue 26: each figure at the large size within 1.3x of the same figure at the small one
DEEP_FOLLOWERS = (
    "query Followers($userName: String!, $after: String) { user(userName: $userName) { followers(first: 20, "
    "after: $after) { edges { followedAt node { userName viewerRelationship { following followedBy } } } } } }"
)
# The figures of each size, and how the targets name them.
FIGURES = {
    "user": "user(userName:)",
    "directory": "directory prefix search (11 matches)",
    "followers_first": "first followers page of 20",
    "followers_deep": "followers page after walking",
}
SeedUsers = Callable[[range, dict[int, int], dict[int, int], str], Awaitable[None]]


def star(total: int) -> int:
    """The account (``user<total>``, id ``total + 1``) with the long followers list, seeded beside ``total``."""
    return total


def followers_of_star(total: int, wanted: int) -> int:
    return min(wanted, total)


def deep_page(total: int, wanted_followers: int, wanted_page: int) -> int:
    """The page measured as deep: ``wanted_page``, or the last full page of a shorter list."""
    return max(2, min(wanted_page, followers_of_star(total, wanted_followers) // PAGE))


def name(figure: str, size: int) -> str:
    return f"scale_{figure}_{size}"


def prefixes(total: int, picks: list[int]) -> list[str]:
    """``user<m>`` with ``total/100 <= m < total/10``: it matches user<m> and user<m>0 .. user<m>9, eleven users,
    at any size (user<m>00 would need more than ``total`` users)."""
    low, high = max(1, total // 100), max(2, total // 10)
    return [f"user{low + pick % (high - low)}" for pick in picks]


async def _seed_star(
    db_url: str, total: int, followers: int, page: int, password_hash: str, seed_users: SeedUsers
) -> str:
    from tortoise import Tortoise

    import database
    from models import Follow, User, UserProfile

    n = star(total)
    await Tortoise.init(config=database.tortoise_config(db_url), _enable_global_fallback=True)
    try:
        await seed_users(range(n, n + 1), {n: followers}, {}, password_hash)
        with databases.progress(f"seeding {followers:,} followers of user{n}", followers) as done:
            for low in range(0, followers, 10_000):
                fans = range(low, min(followers, low + 10_000))
                await databases.write(
                    Follow, [Follow(follower_id=fan + 1, followee_id=n + 1, accepted=True) for fan in fans]
                )
                done(fans.stop)
        db = User._meta.db
        await db.execute_query(
            "UPDATE users SET following_count = following_count + 1 WHERE id <= " + str(int(followers))  # noqa: S608 - an int
        )
        await databases.finish([User, UserProfile, Follow])
        # Set-up only: the id of the last entry of the page before the deep one, as a client walking the list
        # would hold it in the cursor it got with that page.
        skip = (page - 1) * PAGE - 1
        follows = Follow.filter(followee_id=n + 1, accepted=True).order_by("-id").offset(skip).limit(1)
        position = await follows.values_list("id", flat=True)
        return encode_cursor("followers", int(position[0]))
    finally:
        await Tortoise.close_connections()


def seed_star(
    db_url: str, total: int, followers: int, page: int, password_hash: str, seed_users: SeedUsers
) -> tuple[float, str]:
    """Seed the long list beside ``total`` users; the seconds it took and the cursor of the deep page."""
    began = time.perf_counter()
    cursor = asyncio.run(_seed_star(db_url, total, followers, page, password_hash, seed_users))
    return time.perf_counter() - began, cursor


def requests(
    total: int,
    pages: tuple[int, int, str],
    picks: list[int],
    token_for: Callable[[int], str],
    documents: tuple[str, str],
) -> dict[str, list[tuple[str | None, str, dict[str, object] | None]]]:
    """Each figure's requests at ``total`` users, by figure. ``pages``: the list's length, the deep page and its
    cursor; ``documents``: run.py's user and directory ones."""
    USER, DIRECTORY = documents
    followers, page, cursor = pages
    user_name = f"user{star(total)}"
    # The followers pages are read by users who are not on them: a viewer has no relationship to itself (null).
    shown = {*range(followers - PAGE, followers), *range(followers - page * PAGE, followers - (page - 1) * PAGE)}
    viewers = [n for n in picks if n not in shown]
    return {
        "user": [(token_for(n), USER, {"userName": f"user{m}"}) for n, m in zip(picks, reversed(picks), strict=True)],
        "directory": [
            (token_for(n), DIRECTORY, {"query": q}) for n, q in zip(picks, prefixes(total, picks), strict=True)
        ],
        "followers_first": [(token_for(n), DEEP_FOLLOWERS, {"userName": user_name}) for n in viewers],
        "followers_deep": [(token_for(n), DEEP_FOLLOWERS, {"userName": user_name, "after": cursor}) for n in viewers],
    }


def targets(results: dict[str, dict[str, float]], small: int, large: int, page: int) -> dict[str, dict[str, Any]]:
    """Each figure at ``large`` users against the same at ``small``: the large one's time per request (1/req/s)
    at most 1.3x the small one's."""
    found: dict[str, dict[str, Any]] = {}
    for figure, label in FIGURES.items():
        if figure == "followers_deep":
            label = f"followers page {page} of 20 (by cursor)"
        at_small, at_large = results[name(figure, small)], results[name(figure, large)]
        ratio = at_small["rps"] / at_large["rps"]
        met = ratio <= LIMIT
        cpu = at_large["server_cpu_ms_per_request"] / at_small["server_cpu_ms_per_request"]
        reason = f"{at_large['rps']:.0f} req/s at {large:,} against {at_small['rps']:.0f} at {small:,}"
        if not met:
            reason += f"; the app's CPU per request {cpu:.2f}x"
            if "db_cpu_ms_per_request" in at_small and at_small["db_cpu_ms_per_request"] > 0:
                db = at_large["db_cpu_ms_per_request"] / at_small["db_cpu_ms_per_request"]
                reason += f", the database server's {db:.2f}x"
        found[f"{label} at {large:,} users within {LIMIT:g}x of at {small:,} (ratio large/small)"] = {
            "value": ratio,
            "limit": LIMIT,
            "op": "<=",
            "met": met,
            "reason": reason,
        }
    return found
