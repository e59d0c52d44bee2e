"""Every query that finds users: one module, so a filter every path needs is written once.

Each function returns users with their profile loaded (one JOIN). The hot point lookups and list pages
run SQL built once (models/fast_reads.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from tortoise.expressions import F, Q, RawSQL
from tortoise.functions import Coalesce, Count
from tortoise.queryset import QuerySet

from models import Block, Follow, User
from models.fast_reads import Prepared, PreparedFirst, wrapped_rows
from models.user import EMAIL_MAX, FULL_NAME_KEY_MAX, USER_NAME_MAX
from services.accounts.validation import clean_phone, clean_text, clean_user_name, email_key, user_name_key
from services.errors import InvalidInput
from services.people.visibility import findable
from services.people.visibility import shown as shown  # services.people.follows filters its counts with it

_BY_ID = PreparedFirst(User, lambda value: User.filter(id=value).select_related("profile"), int)
_BY_NAME = PreparedFirst(User, lambda value: User.filter(user_name_key=value).select_related("profile"), str)
_BY_EMAIL = PreparedFirst(User, lambda value: User.filter(email_key=value).select_related("profile"), str)
# The caller of an access token: the user, only while the token's session is live, in one query.
_BY_SESSION = PreparedFirst(
    User,
    lambda user_id, session_id: User.filter(
        id=user_id, sessions__id=session_id, sessions__revoked_at=None
    ).select_related("profile"),
    int,
    str,
)


async def by_id(user_id: int) -> User | None:
    return await _BY_ID.first(user_id)


async def by_live_session(user_id: int, session_id: str) -> User | None:
    """The user ``user_id`` if ``session_id`` is one of its sessions and not revoked (one query).

    The session's absolute end needs no check here: no access token outlives its session
    (services.identity.access_tokens).
    """
    return await _BY_SESSION.first(user_id, session_id)


async def by_name(user_name: str) -> User | None:
    """The user with this name (any case). A name no one could hold is BAD_USER_INPUT."""
    return await _BY_NAME.first(user_name_key(clean_user_name(user_name)))


def login_key(identifier: str) -> str:
    """The form a typed login name or email is compared (and counted) in: an email has an "@", a name never."""
    return email_key(identifier) if "@" in identifier else user_name_key(identifier)


def throttle_account(user: User | None, typed: str = "") -> str:
    """What per-account rate limits count by: the user's id, or the name typed when no user has it."""
    return f"id:{user.id}" if user is not None else f"typed:{typed}"


async def by_login_key(account: str) -> User | None:
    """The user whose case-folded name or email is ``account`` (see login_key)."""
    by_email = "@" in account
    column = "email_key" if by_email else "user_name_key"
    if len(account) > User._meta.fields_map[column].max_length:  # type: ignore[attr-defined]
        return None  # longer than any stored value: no such user (and the ORM would refuse the filter)
    return await (_BY_EMAIL if by_email else _BY_NAME).first(account)


# --- what a viewer may see, and the lists of people ---------------------------------------------------


# Which users a viewer may find is a visibility rule (services.people.visibility); every query here applies it.
listable = findable


_VISIBLE_BY_NAME = PreparedFirst(
    User,
    lambda value, viewer: User.filter(listable(viewer), user_name_key=value).select_related("profile"),
    str,
    int,
)
_VISIBLE_BY_NAME_TO_ADMIN = PreparedFirst(
    User,
    lambda value, viewer: User.filter(listable(viewer, admin=True), user_name_key=value).select_related("profile"),
    str,
    int,
)


async def visible_by_name(user_name: str, *, viewer_id: int, admin: bool = False) -> User | None:
    """The user with this name as ``viewer_id`` may see it, else None (no such user, one who blocks them,
    or, unless the viewer is an ``admin``, a deactivated or suspended account)."""
    lookup = _VISIBLE_BY_NAME_TO_ADMIN if admin else _VISIBLE_BY_NAME
    return await lookup.first(user_name_key(clean_user_name(user_name)), viewer_id)


async def visible_by_id(user_id: int, *, viewer_id: int) -> User | None:
    return await User.filter(listable(viewer_id), id=user_id).select_related("profile").first()


def name_keys(first_name: str, last_name: str) -> dict[str, str]:
    """The directory's search columns for these names (stored with them; see models.User)."""
    full = " ".join(part for part in (first_name, last_name) if part)
    return {"last_name_key": last_name.casefold(), "full_name_key": full.casefold()}


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
# For each list: the column naming the list's owner, the relation to the listed user, accepted or pending.
FOLLOW_LISTS: dict[str, tuple[str, str, bool]] = {
    "followers": ("followee_id", "follower", True),
    "following": ("follower_id", "followee", True),
    "requests": ("followee_id", "follower", False),
}


def _follow_rows(list_name: FollowList, *, viewer_id: int, owner_ids: Sequence[int]) -> QuerySet[Follow]:
    owner, listed, accepted = FOLLOW_LISTS[list_name]
    return Follow.filter(listable(viewer_id, via=f"{listed}__"), **{f"{owner}__in": list(owner_ids)}, accepted=accepted)


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
    rows = User.filter(listable(viewer_id), **conditions)
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


# --- the directory -------------------------------------------------------------------------------------

SEARCH_COLUMNS = ("user_name_key", "full_name_key", "last_name_key")
QUERY_MAX = FULL_NAME_KEY_MAX


def _after_prefix(prefix: str) -> str:
    """The least string greater than every string that starts with ``prefix`` (in code-point order)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:
            last = 0xE000  # surrogates cannot be stored
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return "\U0010ffff"


def search_query(text: str) -> str:
    """The directory query as the search columns store names: trimmed and case-folded."""
    cleaned = clean_text(text, field="query", max_length=QUERY_MAX)
    if not cleaned:
        raise InvalidInput("query must not be empty.", field="query")
    return cleaned.casefold()


def _column_max(column: str) -> int:
    return int(User._meta.fields_map[column].max_length)  # type: ignore[attr-defined]


def _search_ranges(query: str) -> tuple[list[str], list[str]]:
    """Where each search column's values that start with ``query`` begin and end. A query longer than a
    column's values can start none of them: its range is empty ("" to ""), so the SQL keeps its shape and
    no value longer than the column reaches the database (the ORM refuses such a filter)."""
    end = _after_prefix(query)
    fits = [len(query) <= _column_max(column) for column in SEARCH_COLUMNS]
    return [query if fit else "" for fit in fits], [end if fit else "" for fit in fits]


def _exact_key(query: str) -> str:
    """The userName key an exact match would have: "" (no one's) for a query longer than any userName."""
    return query if len(query) <= USER_NAME_MAX else ""


def _name_ranges(starts: Sequence[str], ends: Sequence[str]) -> Q:
    """Each search column from its start to its end: one range of one index each."""
    condition = Q()
    for column, start, end in zip(SEARCH_COLUMNS, starts, ends, strict=True):
        condition |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return condition


def _matches(viewer: User, query: str) -> QuerySet[User]:
    """Users whose name, first name, last name or "first last" starts with ``query``; admins also by
    exact email or phone number."""
    condition = _name_ranges(*_search_ranges(query))
    if viewer.is_admin:
        if "@" in query and len(query) <= EMAIL_MAX:
            condition |= Q(email_key=email_key(query))
        if query.startswith("+"):
            with suppress(InvalidInput):
                condition |= Q(phone_number=clean_phone(query))
    return User.filter(listable(viewer.id)).filter(condition)


def _in_order(matches: QuerySet[User], key: str, after: str | None) -> QuerySet[User]:
    """The matches after ``after`` but the exact one (``key``), by userName, with their profiles."""
    rest = matches.exclude(user_name_key=_exact_key(key))
    if after:
        rest = rest.filter(user_name_key__gt=after)
    # Ordered by an expression, not the column: ordering by user_name_key tempts SQLite to walk that
    # whole index in order instead of reading the three matching ranges (MULTI-INDEX OR) and sorting them.
    ordered = rest.annotate(directory_order=Coalesce("user_name_key", "")).order_by("directory_order")
    return ordered.select_related("profile")


def directory_rows(viewer: User, key: str, after: str | None) -> QuerySet[User]:
    """The directory's matches after ``after`` but the exact one, by userName (its SQL is checked in tests)."""
    return _in_order(_matches(viewer, key), key, after)


def _directory_page(*, after: bool) -> Prepared[User]:
    """``directory_rows`` for a viewer who is not an admin (admins also match emails and phone numbers),
    built once: the query is given four times, the end of its range three times."""

    def build(viewer_id: int, *given: Any) -> QuerySet[User]:
        starts, ends, key, rest = given[:3], given[3:6], given[6], given[7:]
        matches = User.filter(listable(viewer_id)).filter(_name_ranges(starts, ends))
        return _in_order(matches, key, rest[0] if after else None).limit(rest[-1])

    return Prepared(User, build, int, *[str] * 7, *([str] if after else []), int)


_DIRECTORY_PAGE = {after: _directory_page(after=after) for after in (False, True)}


async def search(*, viewer: User, query: str, first: int, after: str | None) -> Page:
    """One page of the directory: the exact userName match first, then the rest by userName.

    ``after`` is the userName key of the last entry seen ("" after the exact match), so a page is one
    index range whatever page it is, and cursors survive users coming and going.
    """
    key = search_query(query)
    entries: list[Entry] = []
    if after is None and len(key) <= USER_NAME_MAX:
        exact = await _VISIBLE_BY_NAME.first(key, viewer.id)
        if exact is not None:
            entries.append(Entry(exact, ""))
    limit = first + 1 - len(entries)
    if viewer.is_admin:
        found = await directory_rows(viewer, key, after).limit(limit)
    else:
        starts, ends = _search_ranges(key)
        given = (viewer.id, *starts, *ends, _exact_key(key), *([after] if after else []), limit)
        found = await _DIRECTORY_PAGE[bool(after)].all(*given)
    entries.extend(Entry(user, user.user_name_key) for user in found)
    return Page(entries[:first], len(entries) > first)


async def count_search(*, viewer: User, query: str) -> int:
    return await _matches(viewer, search_query(query)).count()
