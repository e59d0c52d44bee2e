"""Helpers for the people tests."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Protocol

from tortoise.transactions import in_transaction

from models import User
from services.people import counters

PASSWORD = "secure_password123"


class MakeUser(Protocol):
    """The ``make_user`` fixture: register a user, optionally private or an admin."""

    def __call__(
        self, user_name: str, *, private: bool = False, admin: bool = False, **fields: str
    ) -> Awaitable[User]: ...


async def counts(user: User) -> tuple[int, int]:
    """The user's stored (followersCount, followingCount), read now."""
    fresh = await User.get(id=user.id)
    return fresh.followers_count, fresh.following_count


async def hide(user: User, *, suspend: bool = False) -> None:
    """Deactivate (or suspend) the user as services.accounts.lifecycle does: the flag and the counters in one
    transaction that locks the user and its follow counterparts."""
    async with in_transaction():
        await counters.lock_around(user_id=user.id)
        if suspend:
            await User.filter(id=user.id).update(suspended_at=datetime.now(UTC))
        else:
            await User.filter(id=user.id).update(account_deleted=True, deactivated_at=datetime.now(UTC))
        await counters.hidden_changed(user_id=user.id, hidden=True)


async def show(user: User) -> None:
    """Undo ``hide``."""
    async with in_transaction():
        await counters.lock_around(user_id=user.id)
        await User.filter(id=user.id).update(account_deleted=False, deactivated_at=None, suspended_at=None)
        await counters.hidden_changed(user_id=user.id, hidden=False)
