"""Tortoise's SQLite client, whose transactions take the write lock as they begin (``BEGIN IMMEDIATE``).

Tortoise begins an SQLite transaction with a plain (deferred) BEGIN: it reads from a snapshot and asks for
the write lock at its first write. When another process (a second worker on the same file) committed in
between, WAL mode refuses that upgrade at once with SQLITE_BUSY ("database is locked"): the busy timeout
cannot help, as waiting would not make the snapshot current. Our transactions read (the users they lock, the
session they rotate) and then write, so with WORKERS=2 some failed. ``BEGIN IMMEDIATE`` takes the write lock
as the transaction begins, before any read, so a second process's transaction waits there (the busy timeout)
for the first to commit, and then reads what it committed. Within one process Tortoise already runs one
SQLite transaction at a time (one connection), so this costs nothing there; across processes, SQLite never
lets two write at once anyway. Reads outside a transaction (and models/fast_reads.py's read-only connection)
take no write lock and do not wait.

Tortoise has no setting for it, so two of its privates are used here, and only here: ``SqliteClient.
_in_transaction`` (which ``in_transaction()`` calls) is overridden to build the transaction below, and
``self._lock`` is the client's one-transaction-at-a-time lock it hands on (tortoise-orm 1.1.9).
``_check_sqlite_client()`` checks both at import; tests/domain/test_sqlite_lock.py checks that a transaction
from ``in_transaction()`` holds the write lock before its first statement.

The module's name holds "sqlite" on purpose: Tortoise's migration executor picks its SQLite schema editor by the
client class's module name. ``database.tortoise_config`` names this module as the engine of an SQLite URL.
"""

from __future__ import annotations

import sqlite3

import tortoise
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import OperationalError

SQLITE_CHECKED_WITH = "1.1.9"


class BeginFailed(OperationalError):
    """BEGIN IMMEDIATE failed, before this transaction did anything: mostly "database is locked" after waiting
    the whole busy timeout for another process's write transaction (services/deadlocks.py runs a retried unit
    of work again)."""


class ImmediateTransaction(SqliteTransactionWrapper):
    """Tortoise's SQLite transaction, begun with the write lock (``BEGIN IMMEDIATE``)."""

    async def begin(self) -> None:
        # As Tortoise's own begin (commit what the connection holds, then BEGIN, unlogged: the query-count tests
        # count what the log shows), with the write lock.
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise BeginFailed(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's SQLite transaction context, which also gives back the connection when BEGIN fails.

    Tortoise's ``__aenter__`` takes the client's lock and then begins; a plain BEGIN never fails, but BEGIN
    IMMEDIATE may (``BeginFailed``, busy past the timeout), and ``async with`` does not call ``__aexit__`` when
    ``__aenter__`` fails: without this, the lock would stay taken and every later query of this process would
    wait forever.
    """

    async def __aenter__(self) -> TransactionalDBClient:
        try:
            return await super().__aenter__()
        except BeginFailed as exc:
            await self.__aexit__(BeginFailed, exc, exc.__traceback__)  # nothing to roll back; lock released
            raise


class ImmediateSqliteClient(SqliteClient):
    """Tortoise's SQLite client (``tortoise_config`` names this module as the engine) whose transactions begin
    with the write lock."""

    def _in_transaction(self) -> SqliteTransactionContext:
        return ImmediateTransactionContext(ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient  # what Tortoise looks for in an engine module


def _check_sqlite_client() -> None:
    """The privates above still have the shape relied on; else a RuntimeError naming the one that changed."""
    if not callable(getattr(SqliteClient, "_in_transaction", None)):
        raise RuntimeError(
            f"tortoise-orm {tortoise.__version__} changed SqliteClient._in_transaction; models/sqlite_client.py must "
            f"be updated (checked with {SQLITE_CHECKED_WITH})"
        )
    if "_lock" not in SqliteClient("", connection_name="check").__dict__:
        raise RuntimeError(
            f"tortoise-orm {tortoise.__version__} changed SqliteClient._lock; models/sqlite_client.py must be updated "
            f"(checked with {SQLITE_CHECKED_WITH})"
        )


_check_sqlite_client()
