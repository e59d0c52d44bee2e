"""Deadlocks (services.deadlocks' docstring): when PostgreSQL or MariaDB breaks a deadlock by rolling one
transaction back, ``is_deadlock`` knows the error and ``again_on_deadlock`` runs the victim again, so both
callers get their answer. Two transactions lock two rows in opposite orders, meeting at a barrier."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from tortoise.transactions import in_transaction

from models import User
from services import deadlocks
from tests.conftest import BACKENDS


async def _two_users() -> tuple[int, int]:
    ann = await User.create(user_name="ann", user_name_key="ann", password_hash="x")
    bob = await User.create(user_name="bob", user_name_key="bob", password_hash="x")
    return ann.id, bob.id


def _crossing(first: int, second: int, barrier: asyncio.Barrier, attempts: list[int]) -> Callable[[], Awaitable[str]]:
    """One transaction locking ``first`` then ``second``; the first attempt waits for its rival in between."""

    async def work() -> str:
        attempts.append(first)
        async with in_transaction():
            await User.filter(id=first).select_for_update().first()
            if len(attempts) <= 2:  # the first attempt of each: both hold one row before asking for the other
                await barrier.wait()
            await User.filter(id=second).update(bio=f"{first} then {second}")
        return "done"

    return work


# SQLite runs one write transaction at a time: it cannot deadlock. The server backends only (none without their URLs).
@pytest.mark.parametrize("db", [backend for backend in BACKENDS if backend != "sqlite"], indirect=True)
async def test_a_deadlock_is_recognised_and_its_victim_run_again(db: str) -> None:
    ann, bob = await _two_users()
    barrier, attempts = asyncio.Barrier(2), list[int]()

    raw = await asyncio.gather(
        _crossing(ann, bob, barrier, attempts)(),
        _crossing(bob, ann, barrier, attempts)(),
        return_exceptions=True,
    )
    victims = [result for result in raw if isinstance(result, BaseException)]
    assert len(victims) == 1 and deadlocks.is_deadlock(victims[0]), raw

    barrier, attempts = asyncio.Barrier(2), []
    answers = await asyncio.gather(
        deadlocks.again_on_deadlock(_crossing(ann, bob, barrier, attempts)),
        deadlocks.again_on_deadlock(_crossing(bob, ann, barrier, attempts)),
    )
    assert list(answers) == ["done", "done"]
    # The victim ran again: once, or more when its retry meets the rival still waiting for its first row (seen on a
    # loaded machine: PostgreSQL may choose the retry as the victim of a second deadlock).
    assert len(attempts) >= 3 and len(attempts) <= 2 + deadlocks.DEADLOCK_RETRIES + 1, attempts
