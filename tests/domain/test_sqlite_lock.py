"""SQLite shared by several processes (models/sqlite_client.py's docstring): a transaction takes the write lock as it
begins, so one that reads and then writes never meets "database is locked" because another process committed
in between: the other waits its turn. When a transaction still cannot begin within the busy timeout, the error
is known as "locked" and a retried unit of work runs again (services.deadlocks); the connection stays usable.

The other process is a second ``sqlite3`` connection to the same file, on a thread of its own: SQLite locks a
file the same way for a connection of another process.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

import database
from services import deadlocks
from services.transactions import transaction

LABEL = "sqlite_file"


@asynccontextmanager
async def _opened(path: Path, query: str = "") -> AsyncIterator[None]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(f"sqlite://{path}{query}", connection=LABEL))
        await Tortoise.get_connection(LABEL).execute_script(
            "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0)"
        )
        yield


@pytest.fixture
async def file_db(tmp_path: Path) -> AsyncIterator[Path]:
    """A database file this process opens as the server does (the default busy timeout)."""
    path = tmp_path / "shared.sqlite3"
    async with _opened(path):
        yield path


@pytest.fixture
async def impatient_db(tmp_path: Path) -> AsyncIterator[Path]:
    """The same, with a busy timeout of 0.2 s (set in the URL), so waiting past it takes little time."""
    path = tmp_path / "shared.sqlite3"
    async with _opened(path, "?busy_timeout=200"):
        yield path


def _other_process(path: Path, timeout: float = 5) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)


async def _n() -> int:
    _, rows = await Tortoise.get_connection(LABEL).execute_query("SELECT n FROM counter WHERE id = 1")
    return int(rows[0]["n"])


def _add_one(path: Path) -> None:
    other = _other_process(path)
    try:
        other.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
    finally:
        other.close()


async def test_a_transaction_that_reads_then_writes_survives_another_process_writing_meanwhile(file_db: Path) -> None:
    async with transaction() as connection:
        _, rows = await connection.execute_query("SELECT n FROM counter WHERE id = 1")
        seen = int(rows[0]["n"])
        other = asyncio.create_task(asyncio.to_thread(_add_one, file_db))  # commits while we hold our snapshot
        await asyncio.sleep(0.3)
        await connection.execute_query("UPDATE counter SET n = ? WHERE id = 1", [seen + 10])
    await other

    assert await _n() == 11  # ours (0 + 10), then the other process's + 1: none lost, no error


async def test_a_transaction_holds_the_write_lock_before_its_first_statement(file_db: Path) -> None:
    other = _other_process(file_db, timeout=0)
    try:
        async with in_transaction():
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once it ended
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_transaction_that_cannot_begin_in_time_is_locked_and_leaves_the_connection_usable(
    impatient_db: Path,
) -> None:
    other = _other_process(impatient_db)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Exception, match="database is locked") as refused:
            async with in_transaction():
                pass
        assert deadlocks.is_locked(refused.value) and not deadlocks.is_deadlock(refused.value)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert await asyncio.wait_for(_n(), timeout=5) == 0  # this process's queries no longer wait for that begin


async def test_a_retried_unit_of_work_that_finds_the_database_locked_runs_again(impatient_db: Path) -> None:
    other = _other_process(impatient_db)
    other.execute("BEGIN IMMEDIATE")  # held for 0.5 s: longer than one busy timeout, shorter than the retries
    attempts: list[int] = []

    async def work() -> str:
        attempts.append(1)
        async with transaction() as connection:
            await connection.execute_query("UPDATE counter SET n = n + 1 WHERE id = 1")
        return "done"

    async def release() -> None:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(other.execute, "COMMIT")

    try:
        answer, _ = await asyncio.gather(deadlocks.again_on_deadlock(work), release())
    finally:
        other.close()

    assert answer == "done"
    assert len(attempts) >= 2, attempts
    assert await _n() == 1  # the failed attempts changed nothing


async def test_another_sqlite_error_is_not_locked_and_not_run_again(file_db: Path) -> None:
    attempts: list[int] = []

    async def work() -> None:
        attempts.append(1)
        async with transaction() as connection:
            await connection.execute_query("UPDATE no_such_table SET n = 1")

    with pytest.raises(Exception, match="no such table") as failed:
        await deadlocks.again_on_deadlock(work)

    assert not deadlocks.is_locked(failed.value)
    assert attempts == [1]
