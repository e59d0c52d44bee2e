"""Run a transaction again when the database chose it as a deadlock's victim.

InnoDB (MariaDB, MySQL) and PostgreSQL break a deadlock by rolling one of its transactions back and
advise running it again: the victim changed nothing. Transactions lock their rows in one order (users
in id order, then their follow rows) so that this stays rare; when it does happen the caller must see
the answer of the transaction run again, never an INTERNAL_SERVER_ERROR. Only a whole transaction may
be run again: never wrap work that is itself inside a transaction, or work with effects outside it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from tortoise.exceptions import IntegrityError, OperationalError

DEADLOCK_RETRIES = 5
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE

T = TypeVar("T")
P = ParamSpec("P")


def is_deadlock(exc: BaseException) -> bool:
    """The database rolled the transaction back to break a deadlock: MariaDB's 1213 (Tortoise wraps it in an
    OperationalError), PostgreSQL's 40P01 (asyncpg's DeadlockDetectedError, which Tortoise passes through)."""
    if getattr(exc, "sqlstate", None) == DEADLOCK_DETECTED:
        return True
    return isinstance(exc, OperationalError) and not isinstance(exc, IntegrityError) and "deadlock" in str(exc).lower()


async def again_on_deadlock(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` (one whole transaction), again if the database chose it as a deadlock's victim."""
    for _ in range(DEADLOCK_RETRIES):
        try:
            return await work()
        except Exception as exc:
            if not is_deadlock(exc):
                raise
    return await work()


def retried(function: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """``again_on_deadlock`` for a function that is one transaction (and reads around it) and nothing more."""

    @functools.wraps(function)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await again_on_deadlock(lambda: function(*args, **kwargs))

    return run
