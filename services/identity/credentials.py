"""Setting a password: the one write of a new password, for every path that changes one."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import User
from services.errors import Conflict
from services.identity import sessions

RACED = "The password was changed by another request; log in again."


async def set_password(*, user: User, password_hash: str, field: str | None = None) -> None:
    """Store a new password hash (hashed by the caller, outside any transaction), end every session and
    revoke every access token, in one transaction (nested in the caller's, if it has one).

    Compare-and-set on the token version ``user`` was read with: of two changes racing from the same
    state only one wins; the other is CONFLICT (``field`` names the input that carried the old password).
    """
    async with in_transaction():
        updated = await User.filter(id=user.id, token_version=user.token_version).update(password_hash=password_hash)
        if not updated:
            raise Conflict(RACED, field=field)
        await sessions.revoke_all(user.id)
