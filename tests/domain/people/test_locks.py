"""services.people.locks: users locked in id order inside a transaction, and whether a locked user is hidden
(gone, deactivated or suspended: its follows must not change)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import User
from services.people import locks
from tests.domain.people.support import MakeUser, hide


async def test_lock_is_true_only_when_every_user_is_there_and_shown(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    gone = await make_user("gone")
    suspended = await make_user("suspended")
    await hide(gone)
    await hide(suspended, suspend=True)

    async with in_transaction():
        assert await locks.lock((bob.id, ann.id, ann.id)) is True
        assert await locks.lock((ann.id, gone.id)) is False
        assert await locks.lock((ann.id, suspended.id)) is False
        assert await locks.lock((ann.id, 10**9)) is False  # no such user


async def test_lock_rows_reads_the_users_in_id_order_with_their_hidden_flags(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    await hide(bob)

    async with in_transaction():
        rows = await locks.lock_rows([bob.id, ann.id])

    assert [row.id for row in rows] == sorted([ann.id, bob.id])
    assert [locks.hidden(row) for row in rows] == [False, True]
    assert locks.hidden(await User.get(id=ann.id)) is False
