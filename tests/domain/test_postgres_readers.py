"""PostgreSQL reads outside a transaction run on the client's own reader connections, not through the pool
(models/postgres_client.py): the same answers, no pool round trip, and nothing lost when a reader dies.

On SQLite and MariaDB the client is Tortoise's own: the tests check that and the answers, so every test runs
on every backend."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from tortoise.transactions import in_transaction

from models import User
from models.fast_reads import connection_for, connection_pool
from models.postgres_client import READERS, ReadingClient
from services.people import lookup
from tests.domain.test_fast_reads import make_user


async def _readers_open(client: ReadingClient, count: int = 1) -> list[Any]:
    """Reads until ``count`` readers are open (the first read opens one in the background)."""
    for _ in range(200):
        if len(client.readers.connections()) >= count:
            return client.readers.connections()
        await lookup.by_id(1)
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} readers opened")


def _watch(statements: list[str]) -> Any:
    def logged(record: Any) -> None:
        statements.append(record.query)

    return logged


async def test_reads_outside_a_transaction_skip_the_pool_once_a_reader_is_open(db: str) -> None:
    ann = await make_user("ann")
    client = connection_for(User)
    if db != "postgres":
        assert not isinstance(client, ReadingClient)
        assert (await lookup.by_name("ann")) is not None
        return
    assert isinstance(client, ReadingClient)
    await _readers_open(client)
    pool_statements: list[str] = []
    async with connection_pool(client).acquire() as watched:  # the pool's most recently used connection
        watched.add_query_logger(_watch(pool_statements))

    found = [await lookup.by_name("ANN") for _ in range(20)]

    assert all(
        user is not None and user.id == ann.id and user.profile.website == "https://ann.example" for user in found
    )
    assert pool_statements == []  # every read ran on a reader
    assert 1 <= len(client.readers.connections()) <= READERS


async def test_a_read_inside_a_transaction_sees_its_writes_and_one_outside_does_not(db: str) -> None:
    ann = await make_user("ann")
    client = connection_for(User)
    if isinstance(client, ReadingClient):
        await _readers_open(client)
    before = contextvars.copy_context()  # a task run in it reads outside the transaction below
    async with in_transaction(client.connection_name):
        await User.filter(id=ann.id).update(first_name="Inside")
        inside = await lookup.by_id(ann.id)
        # SQLite's in-memory test database is one connection, which the transaction holds: a read outside it
        # would wait for the transaction's end, which waits for the read. Only the server backends compare.
        outside = None if db == "sqlite" else await asyncio.create_task(lookup.by_id(ann.id), context=before)

    assert inside is not None and inside.first_name == "Inside"
    if db != "sqlite":
        assert outside is not None and outside.first_name == ""
    after = await lookup.by_id(ann.id)
    assert after is not None and after.first_name == "Inside"


async def test_a_reader_that_dies_is_dropped_and_the_read_still_answers(db: str) -> None:
    ann = await make_user("ann")
    client = connection_for(User)
    if not isinstance(client, ReadingClient):
        assert (await lookup.by_id(ann.id)) is not None
        return
    readers = await _readers_open(client, count=1)
    pids = {reader.get_server_pid() for reader in readers}
    async with connection_pool(client).acquire() as admin:
        for pid in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True

    found = [await lookup.by_id(ann.id) for _ in range(5)]

    assert all(user is not None and user.user_name == "ann" for user in found)
    replaced = await _readers_open(client, count=1)
    assert not pids & {reader.get_server_pid() for reader in replaced}


async def test_many_reads_at_once_all_answer_when_the_readers_are_busy(db: str) -> None:
    users = [await make_user(f"user{n}") for n in range(12)]
    client = connection_for(User)
    if isinstance(client, ReadingClient):
        await _readers_open(client, count=1)

    found = await asyncio.gather(*(lookup.by_id(user.id) for user in users * 3))

    assert [user.id if user else None for user in found] == [user.id for user in users * 3]


async def test_closing_the_client_closes_its_readers_and_it_reads_again_after(db: str) -> None:
    ann = await make_user("ann")
    client = connection_for(User)
    if not isinstance(client, ReadingClient):
        assert (await lookup.by_id(ann.id)) is not None
        return
    readers = await _readers_open(client)

    await client.close()

    assert client.readers.connections() == []
    assert all(reader.is_closed() for reader in readers)
    found = await lookup.by_id(ann.id)  # Tortoise reconnects its pool on demand, and readers open again
    assert found is not None and found.id == ann.id
    await _readers_open(client)
