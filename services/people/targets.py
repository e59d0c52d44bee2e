"""The user a follow or block action names, as the actor may see it (NOT_FOUND alike for all who are not)."""

from __future__ import annotations

from models import User
from services.errors import InvalidInput, NotFound
from services.people import locks, lookup


def no_such_user(user_name: str) -> NotFound:
    return NotFound(f"No user is named {user_name!r}.", field="userName")


async def other(actor: User, user_name: str, action: str) -> User:
    """The user an action names, as the actor may see it: NOT_FOUND when unknown or blocking the actor."""
    target = await lookup.visible_by_name(user_name, viewer_id=actor.id)
    if target is None:
        raise no_such_user(user_name)
    if target.id == actor.id:
        raise InvalidInput(f"You cannot {action} yourself.", field="userName")
    return target


async def named(actor: User, user_name: str, action: str) -> User:
    """The user ``block`` and ``unblock`` name: also one who blocks the actor. Blocking works both ways
    whoever blocked first, and answers alike, so neither side learns it was blocked. NOT_FOUND when unknown,
    deactivated or suspended, as everywhere."""
    target = await lookup.by_name(user_name)
    if target is None or locks.hidden(target):
        raise no_such_user(user_name)
    if target.id == actor.id:
        raise InvalidInput(f"You cannot {action} yourself.", field="userName")
    return target


async def named_after(target: User, user_name: str) -> User:
    """The target of ``block`` or ``unblock`` after the change, shown alike whether or not it blocks the actor."""
    user = await lookup.by_id(target.id)
    if user is None or locks.hidden(user):
        raise no_such_user(user_name)
    return user


async def seen_after(actor: User, target: User, user_name: str) -> User:
    """The target as the actor sees it after the change."""
    user = await lookup.visible_by_id(target.id, viewer_id=actor.id)
    if user is None:
        raise no_such_user(user_name)
    return user
