"""Run a transaction again when the database chose it as a deadlock's victim, or SQLite found it locked.

InnoDB (MariaDB, MySQL) and PostgreSQL break a deadlock by rolling one of its transactions back and
advise running it again: the victim changed nothing. Transactions lock their rows in one order (users
in id order, then their follow rows) so that this stays rare; when it does happen the caller must see
the answer of the transaction run again, never an INTERNAL_SERVER_ERROR. Only a whole transaction may
be run again: never wrap work that is itself inside a transaction, or work with effects outside it.

SQLite's counterpart is "database is locked" (SQLITE_BUSY), when several processes (workers) write one
file: our transactions begin with the write lock and wait the busy timeout for it (database.py), so it
should not happen; when it still does (another process held the write lock past the timeout), the
statement that met it changed nothing and the transaction is rolled back: it is run again as a deadlock's
victim is.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from tortoise.exceptions import IntegrityError, OperationalError

DEADLOCK_RETRIES = 5
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
SQLITE_BUSY = sqlite3.SQLITE_BUSY  # the primary result code of SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT)

T = TypeVar("T")
P = ParamSpec("P")


def is_deadlock(exc: BaseException) -> bool:
    """The database rolled the transaction back to break a deadlock: MariaDB's 1213 (Tortoise wraps it in an
    OperationalError), PostgreSQL's 40P01 (asyncpg's DeadlockDetectedError, which Tortoise passes through)."""
    if getattr(exc, "sqlstate", None) == DEADLOCK_DETECTED:
        return True
    return isinstance(exc, OperationalError) and not isinstance(exc, IntegrityError) and "deadlock" in str(exc).lower()


def is_locked(exc: BaseException) -> bool:
    """SQLite answered "database is locked" (SQLITE_BUSY, or an extended code of it): Tortoise wraps sqlite3's
    OperationalError, which carries the code, in its own (as its argument, and raises it from there)."""
    seen: BaseException | None = exc
    while seen is not None:
        causes = [arg for arg in getattr(seen, "args", ()) if isinstance(arg, sqlite3.Error)]
        for error in [seen, *causes]:
            code = getattr(error, "sqlite_errorcode", None)
            if isinstance(error, sqlite3.OperationalError) and isinstance(code, int) and code & 0xFF == SQLITE_BUSY:
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def run_again(exc: BaseException) -> bool:
    """The database rolled the work back (or refused it before it changed anything) and advises running it again."""
    return is_deadlock(exc) or is_locked(exc)


async def again_on_deadlock(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` (one whole transaction), again if the database chose it as a deadlock's victim or SQLite
    found the database locked."""
    for _ in range(DEADLOCK_RETRIES):
        try:
            return await work()
        except Exception as exc:
            if not run_again(exc):
                raise
    return await work()


def retried(function: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """``again_on_deadlock`` for a function that is one transaction (and reads around it) and nothing more."""

    @functools.wraps(function)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await again_on_deadlock(lambda: function(*args, **kwargs))

    return run
