"""Every query that finds users: one module, so a filter every path needs is written once.

Each function returns users with their profile loaded (one JOIN). The hot point lookups run SQL built
once (models/prepared.py is used here and nowhere else).
"""

from __future__ import annotations

from models import User
from models.prepared import PreparedFirst
from services.validation import clean_user_name, email_key, user_name_key

_BY_ID = PreparedFirst(User, lambda value: User.filter(id=value).select_related("profile"), placeholder=-1)
_BY_NAME = PreparedFirst(
    User, lambda value: User.filter(user_name_key=value).select_related("profile"), placeholder="\0name"
)
_BY_EMAIL = PreparedFirst(
    User, lambda value: User.filter(email_key=value).select_related("profile"), placeholder="\0email"
)


async def by_id(user_id: int) -> User | None:
    return await _BY_ID.first(user_id)


async def by_name(user_name: str) -> User | None:
    """The user with this name (any case). A name no one could hold is BAD_USER_INPUT."""
    return await _BY_NAME.first(user_name_key(clean_user_name(user_name)))


def login_key(identifier: str) -> str:
    """The form a typed login name or email is compared (and counted) in: an email has an "@", a name never."""
    return email_key(identifier) if "@" in identifier else user_name_key(identifier)


async def by_login_key(account: str) -> User | None:
    """The user whose case-folded name or email is ``account`` (see login_key)."""
    by_email = "@" in account
    column = "email_key" if by_email else "user_name_key"
    if len(account) > User._meta.fields_map[column].max_length:  # type: ignore[attr-defined]
        return None  # longer than any stored value: no such user (and the ORM would refuse the filter)
    return await (_BY_EMAIL if by_email else _BY_NAME).first(account)
