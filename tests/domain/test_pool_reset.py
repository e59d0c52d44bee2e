"""A pool connection goes back to the pool without asyncpg's reset query (database.keep_session).

asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` each time a
connection is released: after every read outside a transaction, a second round trip as costly as the read.
The server leaves no such state on a connection, so the pool is told to skip it; what must still hold is that
a transaction left open never reaches the next borrower.
"""

from __future__ import annotations

from typing import Any

import pytest

from models import User
from models.fast_reads import connection_for, connection_pool
from models.postgres_client import ReadingClient
from services.people import lookup
from tests.domain.test_fast_reads import make_user


def _record(statements: list[str]) -> Any:
    def logged(record: Any) -> None:
        statements.append(record.query)

    return logged


async def test_a_read_outside_a_transaction_is_one_statement_on_its_connection(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await make_user("ann")
    client = connection_for(User)
    if isinstance(client, ReadingClient):
        # Reads take the pool when every reader is busy (models/postgres_client.py): as here.
        monkeypatch.setattr(client.readers, "take", lambda: None)
    pool = connection_pool(client)
    statements: list[str] = []
    if db == "postgres":
        # asyncpg's pool hands out its most recently released connection first: the one watched here.
        async with pool.acquire() as watched:
            watched.add_query_logger(_record(statements))

    found = await lookup.by_id(ann.id)
    again = await lookup.by_name("ANN")

    assert found is not None and again is not None and found.id == again.id == ann.id
    if db == "postgres":
        assert len(statements) == 2 and all(statement.lstrip().startswith("SELECT") for statement in statements)
        assert not any("RESET" in statement or "UNLISTEN" in statement for statement in statements)
    else:  # SQLite has no pool; asyncmy's never sent a reset query
        assert statements == []


async def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_lent_again(db: str) -> None:
    ann = await make_user("ann")
    pool = connection_pool(connection_for(User))
    if db == "postgres":
        async with pool.acquire() as careless:
            await careless.execute("BEGIN")
            await careless.execute("UPDATE users SET first_name = 'Leaked' WHERE id = $1", ann.id)
        async with pool.acquire() as next_borrower:
            in_transaction = next_borrower.is_in_transaction()

        assert in_transaction is False
    found = await lookup.by_id(ann.id)

    assert found is not None and found.first_name == ""
