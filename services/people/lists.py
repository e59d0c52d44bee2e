"""The lists of people: a user's followers, following and follow requests, and the users the viewer blocks.

Pages are newest first; a viewer sees only the users it may find (services.people.visibility). The
single-owner pages run SQL built once (models/fast_reads.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar, get_args

from tortoise.expressions import F, RawSQL
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models import Block, Follow, User
from models.fast_reads import Prepared, PreparedValues, wrapped_rows
from services.people.visibility import findable, shown


@dataclass(frozen=True)
class Entry:
    user: User
    position: str | int  # where the entry sits in its list; a cursor is made of it
    since: datetime | None = None  # when the follow (or request, or block) began


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    has_next: bool


FollowList = Literal["followers", "following", "requests"]
T = TypeVar("T")


# For each list: the column naming the list's owner, the relation to the listed user, accepted or pending.
FOLLOW_LISTS: dict[str, tuple[str, str, bool]] = {
    "followers": ("followee_id", "follower", True),
    "following": ("follower_id", "followee", True),
    "requests": ("followee_id", "follower", False),
}


def _follow_rows(list_name: FollowList, *, viewer_id: int, owner_ids: Sequence[int]) -> QuerySet[Follow]:
    owner, listed, accepted = FOLLOW_LISTS[list_name]
    return Follow.filter(findable(viewer_id, via=f"{listed}__"), **{f"{owner}__in": list(owner_ids)}, accepted=accepted)


# For each list, as seen from the listed user: its relation to the follow rows, and the column naming the owner.
LISTED_SIDE: dict[str, tuple[str, str]] = {
    "followers": ("following_rows", "followee_id"),
    "following": ("follower_rows", "follower_id"),
    "requests": ("following_rows", "followee_id"),
}


def follow_page_rows(
    list_name: FollowList, *, viewer_id: int, owner_id: int, limit: int, after: int | None = None
) -> QuerySet[User]:
    """One owner's page of a list: the listed users with their profiles, and each one's follow row's id and
    creation time (``position``, ``since``), newest first, read through the index of the owner's list (its
    plan is checked in tests)."""
    relation, owner = LISTED_SIDE[list_name]
    conditions: dict[str, Any] = {f"{relation}__{owner}": owner_id, f"{relation}__accepted": FOLLOW_LISTS[list_name][2]}
    if after is not None:
        conditions[f"{relation}__id__lt"] = after
    rows = User.filter(findable(viewer_id), **conditions)
    rows = rows.annotate(position=F(f"{relation}__id"), since=F(f"{relation}__created_at"))
    return rows.order_by("-position").limit(limit).select_related("profile")


def _one_follow_page(list_name: FollowList, *, after: bool) -> Prepared[User]:
    """``follow_page_rows``, built once."""

    def build(viewer_id: int, owner_id: int, *rest: int) -> QuerySet[User]:
        return follow_page_rows(
            list_name, viewer_id=viewer_id, owner_id=owner_id, limit=rest[-1], after=rest[0] if after else None
        )

    return Prepared(User, build, int, int, *((int,) if after else ()), int)


_ONE_FOLLOW_PAGE = {
    (list_name, after): _one_follow_page(list_name, after=after)
    for list_name in get_args(FollowList)
    for after in (False, True)
}


async def follow_page(list_name: FollowList, *, viewer_id: int, owner_id: int, first: int, after: int | None) -> Page:
    """One page of one owner's list, newest first, in one query."""
    prepared = _ONE_FOLLOW_PAGE[(list_name, after is not None)]
    given = (viewer_id, owner_id, *(() if after is None else (after,)), first + 1)
    created_at = Follow._meta.fields_map["created_at"]
    entries = [
        Entry(user, int(user.position), created_at.to_python_value(user.since))  # type: ignore[attr-defined]
        for user in await prepared.all(*given)
    ]
    return Page(entries[:first], len(entries) > first)


@functools.cache
def _one_follow_page_values(list_name: FollowList, *, after: bool, columns: tuple[str, ...]) -> PreparedValues:
    """``follow_page_rows`` as ``position``, ``since`` and ``columns`` of each listed user, built once."""

    def build(viewer_id: int, owner_id: int, *rest: int) -> QuerySet[User]:
        return follow_page_rows(
            list_name, viewer_id=viewer_id, owner_id=owner_id, limit=rest[-1], after=rest[0] if after else None
        )

    since = Follow._meta.fields_map["created_at"].to_python_value
    kinds = (int, int, *((int,) if after else ()), int)
    return PreparedValues(
        User, build, *kinds, columns=("position", "since", *columns), convert={"position": None, "since": since}
    )


async def follow_page_made(
    list_name: FollowList,
    *,
    viewer_id: int,
    owner_id: int,
    first: int,
    after: int | None,
    columns: tuple[str, ...],
    make: Callable[..., T],
) -> tuple[list[T], bool]:
    """``follow_page`` made straight into the caller's objects: ``make(position, since, *values)`` for each
    entry, ``values`` being the listed user's ``columns`` (fields, or ``profile__field``), and whether more
    entries follow. One query, as ``follow_page``; no model instance per entry."""
    prepared = _one_follow_page_values(list_name, after=after is not None, columns=columns)
    given = (viewer_id, owner_id, *(() if after is None else (after,)), first + 1)
    made = await prepared.made(make, *given)
    return made[:first], len(made) > first


async def follow_lists(
    list_name: FollowList, *, viewer_id: int, owner_ids: Sequence[int], first: int, after: int | None
) -> dict[int, Page]:
    """One page of the list of each owner, newest first, in two queries however many owners there are
    (one for a single owner).

    ``after`` is a follow id (from a cursor): the page starts below it. A window function numbers each
    owner's rows, so each owner gets at most ``first`` of them (and one more, to know there is a next page).
    """
    if len(owner_ids) == 1:
        owner_id = owner_ids[0]
        return {
            owner_id: await follow_page(list_name, viewer_id=viewer_id, owner_id=owner_id, first=first, after=after)
        }
    owner, listed, _ = FOLLOW_LISTS[list_name]
    rows = _follow_rows(list_name, viewer_id=viewer_id, owner_ids=owner_ids)
    if after is not None:
        rows = rows.filter(id__lt=after)
    numbered = rows.annotate(
        place=RawSQL(f"ROW_NUMBER() OVER (PARTITION BY follows.{owner} ORDER BY follows.id DESC)")
    ).values("id", owner, f"{listed}_id", "created_at", "place")

    def first_of_each(sql: str) -> str:
        # Only our own SQL and an int go into the text; values stay parameters.
        return f"SELECT * FROM ({sql}) numbered WHERE numbered.place <= {int(first) + 1} ORDER BY numbered.id DESC"  # noqa: S608

    found = await wrapped_rows(numbered, first_of_each)
    users = {
        user.id: user
        for user in await User.filter(id__in={row[f"{listed}_id"] for row in found}).select_related("profile")
    }
    created_at = Follow._meta.fields_map["created_at"]
    pages: dict[int, list[Entry]] = {owner_id: [] for owner_id in owner_ids}
    for row in found:
        user = users.get(row[f"{listed}_id"])
        if user is not None:  # deleted in between
            since = created_at.to_python_value(row["created_at"])
            pages[row[owner]].append(Entry(user, int(row["id"]), since))
    return {owner_id: Page(entries[:first], len(entries) > first) for owner_id, entries in pages.items()}


async def count_follow_lists(list_name: FollowList, *, viewer_id: int, owner_ids: Sequence[int]) -> dict[int, int]:
    """How many entries each owner's list has for this viewer, in one query."""
    owner, _, _ = FOLLOW_LISTS[list_name]
    rows = _follow_rows(list_name, viewer_id=viewer_id, owner_ids=owner_ids)
    counted = await rows.group_by(owner).annotate(total=Count("id")).values_list(owner, "total")
    totals = {int(owner_id): int(total) for owner_id, total in counted}
    return {owner_id: totals.get(owner_id, 0) for owner_id in owner_ids}


def _blocked_rows(viewer_id: int) -> QuerySet[Block]:
    # Also those who block the viewer back: each block is listed, to be lifted, whoever blocked first.
    return Block.filter(shown("blocked__"), blocker_id=viewer_id)


async def blocked_page(*, viewer_id: int, first: int, after: int | None) -> Page:
    """The users the viewer blocks, newest block first."""
    rows = _blocked_rows(viewer_id)
    if after is not None:
        rows = rows.filter(id__lt=after)
    found = await rows.order_by("-id").limit(first + 1).select_related("blocked__profile")
    entries = [Entry(row.blocked, row.id, row.created_at) for row in found]
    return Page(entries[:first], len(entries) > first)


async def count_blocked(*, viewer_id: int) -> int:
    return await _blocked_rows(viewer_id).count()
