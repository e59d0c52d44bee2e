"""The account an update or a deletion acts on: the actor's own, or one an admin names."""

from __future__ import annotations

from models import User
from services.errors import Forbidden, NotFound
from services.people import lookup


async def managed_account(actor: User, user_name: str | None) -> User:
    """The user an update or delete acts on: found first (NOT_FOUND), then allowed (FORBIDDEN).

    Found as the actor may see it: a user who blocks the actor, or a deactivated or suspended one, is
    NOT_FOUND as an unknown name is, so the answer tells nothing about it. Admins find (and manage) everyone.
    """
    if user_name is None:
        return actor
    if actor.is_admin:
        target = await lookup.by_name(user_name)
    else:
        target = await lookup.visible_by_name(user_name, viewer_id=actor.id)
    if target is None:
        raise NotFound(f"No user is named {user_name!r}.", field="userName")
    if target.id != actor.id and not actor.is_admin:
        raise Forbidden("You can only change or delete your own account.")
    return target
