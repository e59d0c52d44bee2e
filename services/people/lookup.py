"""Every query that finds one user: by id, name, login or live session, and as a viewer may see it.

Each function returns the user with its profile loaded (one JOIN). The hot point lookups run SQL built
once (models/fast_reads.py). Which users a viewer may find is a visibility rule (services.people.visibility).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import TypeVar

from tortoise.queryset import QuerySet

from models import User
from models.fast_reads import PreparedFirst, PreparedValues
from services.accounts.validation import clean_user_name, email_key, user_name_key
from services.people.visibility import findable  # which users a viewer may find: every query of people applies it

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


def _visible_by_name(value: str, viewer: int) -> QuerySet[User]:
    return User.filter(findable(viewer), user_name_key=value).select_related("profile")


_VISIBLE_BY_NAME = PreparedFirst(User, _visible_by_name, str, int)


_VISIBLE_BY_NAME_TO_ADMIN = PreparedFirst(
    User,
    lambda value, viewer: User.filter(findable(viewer, admin=True), user_name_key=value).select_related("profile"),
    str,
    int,
)


async def visible_by_name(user_name: str, *, viewer_id: int, admin: bool = False) -> User | None:
    """The user with this name as ``viewer_id`` may see it, else None (no such user, one who blocks them,
    or, unless the viewer is an ``admin``, a deactivated or suspended account)."""
    lookup = _VISIBLE_BY_NAME_TO_ADMIN if admin else _VISIBLE_BY_NAME
    return await lookup.first(user_name_key(clean_user_name(user_name)), viewer_id)


async def visible_by_name_key(key: str, *, viewer_id: int) -> User | None:
    """The user whose userName key is ``key`` as ``viewer_id`` may see it, else None (see visible_by_name)."""
    return await _VISIBLE_BY_NAME.first(key, viewer_id)


T = TypeVar("T")


@functools.cache
def _visible_by_name_values(columns: tuple[str, ...]) -> PreparedValues:
    return PreparedValues(
        User, lambda value, viewer: _visible_by_name(value, viewer).limit(1), str, int, columns=columns
    )


async def visible_by_name_key_made(
    key: str, *, viewer_id: int, columns: tuple[str, ...], make: Callable[..., T]
) -> T | None:
    """``visible_by_name_key`` made straight into the caller's object: ``make(*values)`` of the user's
    ``columns`` (fields, or ``profile__field``), else None."""
    found = await _visible_by_name_values(columns).made(make, key, viewer_id)
    return found[0] if found else None


_VISIBLE_BY_ID = PreparedFirst(
    User, lambda value, viewer: User.filter(findable(viewer), id=value).select_related("profile"), int, int
)


_VISIBLE_BY_ID_TO_ADMIN = PreparedFirst(
    User, lambda value, viewer: User.filter(findable(viewer, admin=True), id=value).select_related("profile"), int, int
)


async def visible_by_ids(user_ids: Collection[int], *, viewer_id: int, admin: bool = False) -> dict[int, User]:
    """The users of ``user_ids`` that ``viewer_id`` may see, by id, as ``visible_by_name`` finds them (an
    ``admin`` also finds deactivated and suspended accounts): one query, SQL built once for a single id."""
    if len(user_ids) == 1:
        (user_id,) = user_ids
        found = await (_VISIBLE_BY_ID_TO_ADMIN if admin else _VISIBLE_BY_ID).first(user_id, viewer_id)
        return {} if found is None else {found.id: found}
    if not user_ids:
        return {}
    query = User.filter(findable(viewer_id, admin=admin), id__in=list(user_ids)).select_related("profile")
    return {user.id: user for user in await query}


async def visible_by_id(user_id: int, *, viewer_id: int) -> User | None:
    return await User.filter(findable(viewer_id), id=user_id).select_related("profile").first()
