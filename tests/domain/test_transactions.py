"""The outbox wakes its sender by construction: once the transaction that queued a mail commits, never
before (the sender would not see the row yet) and never when it rolls back; outside a transaction at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from tortoise.transactions import in_transaction

from models import OutboxMail
from services.mail import outbox
from services.transactions import after_commit, transaction


class Rollback(Exception):
    pass


@pytest.fixture
def woken() -> Iterator[asyncio.Event]:
    event = outbox.waker()
    yield event
    outbox.forget(event)


async def _queue(to: str = "ann@example.com") -> None:
    await outbox.enqueue(template="password_changed", to=to, data={"user_name": "ann"})


async def test_a_mail_queued_in_a_transaction_wakes_the_sender_once_it_commits(db: str, woken: asyncio.Event) -> None:
    async with transaction():
        await _queue()
        assert not woken.is_set()

    assert woken.is_set()
    assert await OutboxMail.filter(recipient="ann@example.com").exists()


async def test_a_rolled_back_mail_never_wakes_the_sender(db: str, woken: asyncio.Event) -> None:
    with pytest.raises(Rollback):
        async with transaction():
            await _queue()
            raise Rollback

    assert not woken.is_set()
    assert not await OutboxMail.all().exists()


async def test_a_mail_queued_outside_a_transaction_wakes_the_sender_at_once(db: str, woken: asyncio.Event) -> None:
    await _queue()

    assert woken.is_set()


async def test_a_nested_transaction_wakes_only_when_the_outer_one_commits(db: str, woken: asyncio.Event) -> None:
    async with transaction():
        async with transaction():
            await _queue("ann@example.com")
        assert not woken.is_set()  # a released savepoint is not a commit
        with pytest.raises(Rollback):
            async with transaction():
                await _queue("bob@example.com")
                raise Rollback
        assert not woken.is_set()

    assert woken.is_set()
    assert [mail.recipient for mail in await OutboxMail.all()] == ["ann@example.com"]


async def test_a_rolled_back_outer_transaction_drops_what_its_savepoints_queued(db: str, woken: asyncio.Event) -> None:
    with pytest.raises(Rollback):
        async with transaction():
            async with transaction():
                await _queue()
            raise Rollback

    assert not woken.is_set()


async def test_after_commit_in_a_bare_in_transaction_is_refused(db: str) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError, match="bare in_transaction"):
        async with in_transaction():
            after_commit(lambda: ran.append("hook"))
    with pytest.raises(RuntimeError, match="bare in_transaction"):
        async with in_transaction(), transaction():
            pass

    assert ran == []
