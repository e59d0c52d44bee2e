"""The directory: users whose userName, first name, last name or full name starts with a query, and the
search keys stored with each user for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.functions import Coalesce
from tortoise.queryset import QuerySet

from models import User
from models.fast_reads import Prepared, PreparedValues
from models.user import EMAIL_MAX, FULL_NAME_KEY_MAX, USER_NAME_MAX
from services.accounts.validation import clean_phone, clean_text, email_key
from services.errors import InvalidInput
from services.people import lookup
from services.people.lists import Entry, Page
from services.people.visibility import findable


def name_keys(first_name: str, last_name: str) -> dict[str, str]:
    """The directory's search columns for these names (stored with them; see models.User)."""
    full = " ".join(part for part in (first_name, last_name) if part)
    return {"last_name_key": last_name.casefold(), "full_name_key": full.casefold()}


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
    return User.filter(findable(viewer.id)).filter(condition)


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


def _directory_page_build(*, after: bool) -> Callable[..., QuerySet[User]]:
    """``directory_rows`` for a viewer who is not an admin (admins also match emails and phone numbers), from
    its values: the viewer, the query four times (three range starts, the exact key), the end of its range
    three times, ``after`` if given, the limit."""

    def build(viewer_id: int, *given: Any) -> QuerySet[User]:
        starts, ends, key, rest = given[:3], given[3:6], given[6], given[7:]
        matches = User.filter(findable(viewer_id)).filter(_name_ranges(starts, ends))
        return _in_order(matches, key, rest[0] if after else None).limit(rest[-1])

    return build


def _directory_kinds(*, after: bool) -> tuple[type, ...]:
    return (int, *[str] * 7, *([str] if after else []), int)


_DIRECTORY_PAGE = {
    after: Prepared(User, _directory_page_build(after=after), *_directory_kinds(after=after)) for after in (False, True)
}


@functools.cache
def _directory_page_values(*, after: bool, columns: tuple[str, ...]) -> PreparedValues:
    """``_DIRECTORY_PAGE`` as ``user_name_key`` and ``columns`` of each user, built once."""
    build = _directory_page_build(after=after)
    return PreparedValues(User, build, *_directory_kinds(after=after), columns=("user_name_key", *columns))


def _page_values(viewer: User, key: str, after: str | None, limit: int) -> tuple[Any, ...]:
    starts, ends = _search_ranges(key)
    return (viewer.id, *starts, *ends, _exact_key(key), *([after] if after else []), limit)


async def search(*, viewer: User, query: str, first: int, after: str | None) -> Page:
    """One page of the directory: the exact userName match first, then the rest by userName.

    ``after`` is the userName key of the last entry seen ("" after the exact match), so a page is one
    index range whatever page it is, and cursors survive users coming and going.
    """
    key = search_query(query)
    entries: list[Entry] = []
    if after is None and len(key) <= USER_NAME_MAX:
        exact = await lookup.visible_by_name_key(key, viewer_id=viewer.id)
        if exact is not None:
            entries.append(Entry(exact, ""))
    limit = first + 1 - len(entries)
    if viewer.is_admin:
        found = await directory_rows(viewer, key, after).limit(limit)
    else:
        found = await _DIRECTORY_PAGE[bool(after)].all(*_page_values(viewer, key, after, limit))
    entries.extend(Entry(user, user.user_name_key) for user in found)
    return Page(entries[:first], len(entries) > first)


T = TypeVar("T")


async def search_made(
    *, viewer: User, query: str, first: int, after: str | None, columns: tuple[str, ...], make: Callable[..., T]
) -> tuple[list[T], bool]:
    """``search`` made straight into the caller's objects: ``make(position, *values)`` for each entry, ``values``
    being the user's ``columns`` (fields, or ``profile__field``) and ``position`` what a cursor is made of; and
    whether more entries follow. The same queries as ``search``; no model instance per entry."""
    key = search_query(query)
    made: list[T] = []
    if after is None and len(key) <= USER_NAME_MAX:
        exact = await lookup.visible_by_name_key_made(
            key, viewer_id=viewer.id, columns=columns, make=functools.partial(make, "")
        )
        if exact is not None:
            made.append(exact)
    limit = first + 1 - len(made)
    if viewer.is_admin:
        rows = await directory_rows(viewer, key, after).limit(limit).values_list("user_name_key", *columns)
        made.extend(make(*row) for row in rows)
    else:
        prepared = _directory_page_values(after=bool(after), columns=columns)
        made.extend(await prepared.made(make, *_page_values(viewer, key, after, limit)))
    return made[:first], len(made) > first


async def count_search(*, viewer: User, query: str) -> int:
    return await _matches(viewer, search_query(query)).count()
