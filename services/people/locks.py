"""Locking users in id order inside a transaction, and whether a locked user is hidden."""

from __future__ import annotations

from collections.abc import Iterable

from models import User


async def lock(user_ids: Iterable[int]) -> bool:
    """Lock these users' rows in id order (inside a transaction); False when one of them is gone or hidden
    (deactivated or suspended meanwhile: its follows must not change while they count for no one)."""
    ids = set(user_ids)
    found = await lock_rows(ids)
    return len(found) == len(ids) and not any(hidden(user) for user in found)


def hidden(user: User) -> bool:
    return bool(user.account_deleted or user.suspended_at)


async def lock_rows(user_ids: Iterable[int]) -> list[User]:
    """Lock these users' rows in id order (rows this transaction holds already are not waited for), and
    read whether each is hidden as it is now (a locking read sees the latest committed row)."""
    # A model query: Tortoise drops FOR UPDATE from values()/values_list() queries.
    query = User.filter(id__in=sorted(set(user_ids))).order_by("id").select_for_update()
    return list(await query.only("id", "user_name", "account_deleted", "suspended_at"))  # user_name: for events
