"""Tortoise's asyncpg client with a few connections of its own for reads outside a transaction.

A read through asyncpg's pool pays for the pool on every query: ``acquire``, then ``release``, which asyncpg
runs inside ``asyncio.shield`` (a task per query) with its bookkeeping around the reset. Measured on this
project's hot reads, that is about 90 µs of CPU per query, more than asyncpg spends sending the query and
reading its rows. A ``me`` request is one query, so the pool was a tenth of its CPU on PostgreSQL.

``ReadingClient`` keeps ``READERS`` plain connections beside the pool, opened on first use in the background
and closed with the client, and runs a ``SELECT`` outside a transaction on an idle one: no task, no reset, the
statement prepared once per connection by asyncpg's own cache (or unnamed in the same round trip behind
PgBouncer: ``statement_cache_size=0`` rides in the credentials, as for the pool). When every reader is busy,
still opening or broken, the query takes the pool as before; a reader that fails is dropped (terminated) and
the query runs again through the pool, so errors read as Tortoise reports them and a lost connection costs
one retry of a read. Writes, transactions and everything else go through the pool unchanged.

The readers hold no session state (reads only, no SET, no LISTEN): any of them answers as the pool would.
A process holds the pool's connections (``maxsize``, 5 by default) plus ``READERS``: README, Deployment.
Selected by database.py as the engine of every PostgreSQL connection (``client_class`` below).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

READERS = 2  # a process's event loop rarely has more reads in flight at once; more wait for the pool
RETRY_OPEN_SECONDS = 5.0  # after a reader failed to open, the pool alone serves until then

log = logging.getLogger(__name__)

# The pool's keyword arguments that are not a connection's (Tortoise passes its credentials' extras to the pool).
_CONNECT_ARGUMENTS = set(inspect.signature(asyncpg.connect).parameters)


class _Readers:
    """Up to ``size`` connections, each lent to one query at a time; never waits for one."""

    def __init__(self, client: ReadingClient, size: int) -> None:
        self._client = client
        self._size = size
        self._idle: list[asyncpg.Connection] = []
        self._open: set[asyncpg.Connection] = set()
        self._opening: asyncio.Task[None] | None = None
        self._retry_at = 0.0

    def connections(self) -> list[asyncpg.Connection]:
        """The readers open now, lent or idle."""
        return list(self._open)

    def take(self) -> asyncpg.Connection | None:
        """An idle reader, or None (and one is opened in the background when there may be more)."""
        if self._idle:
            return self._idle.pop()
        if self._opening is not None or len(self._open) >= self._size:
            return None
        loop = asyncio.get_running_loop()
        if loop.time() >= self._retry_at:
            self._opening = loop.create_task(self._add())
        return None

    def give_back(self, connection: asyncpg.Connection) -> None:
        if connection in self._open and not connection.is_closed():
            self._idle.append(connection)
        else:  # closed meanwhile, or lent before the client closed
            self.drop(connection)

    def drop(self, connection: asyncpg.Connection) -> None:
        """A reader that failed (or outlived the client): its socket closed at once, its place free."""
        self._open.discard(connection)
        connection.terminate()

    async def _add(self) -> None:
        try:
            connection = await asyncpg.connect(**self._client.reader_arguments())
        except Exception as exc:  # unreachable or refused: the pool serves alone for a while
            self._retry_at = asyncio.get_running_loop().time() + RETRY_OPEN_SECONDS
            log.warning("could not open a PostgreSQL reader connection (the pool serves reads): %s", exc)
            return
        finally:
            self._opening = None
        self._open.add(connection)
        self._idle.append(connection)

    async def close(self) -> None:
        """Close every reader; a reader lent out now is terminated when it comes back. Tortoise may use the client
        again after closing it (it reconnects its pool on demand): readers open again then."""
        if self._opening is not None:
            self._opening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._opening
        connections, self._open, self._idle = list(self._open), set(), []
        for connection in connections:
            try:
                await asyncio.wait_for(connection.close(), 5)
            except (Exception, asyncio.CancelledError):
                connection.terminate()


class ReadingClient(AsyncpgDBClient):
    """``AsyncpgDBClient`` whose reads outside a transaction use a reader connection when one is idle."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.readers = _Readers(self, READERS)

    def reader_arguments(self) -> dict[str, Any]:
        """``asyncpg.connect``'s arguments for a reader: the pool's own connection settings."""
        extra = {key: value for key, value in self.extra.items() if key in _CONNECT_ARGUMENTS}
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "server_settings": self.server_settings,
            "connection_class": self.connection_class,
            **extra,
        }

    async def execute_query(self, query: str, values: list[Any] | None = None) -> tuple[int, list[Any]]:
        if query.lstrip()[:6].upper() != "SELECT":
            return await self._pooled(query, values)
        reader = self.readers.take()
        if reader is None:
            return await self._pooled(query, values)
        self.log.debug("%s: %s", query, values)  # as Tortoise logs what it runs (the query-count tests read it)
        try:
            rows = await reader.fetch(query, *(values or ()))
        except asyncio.CancelledError:
            self.readers.drop(reader)  # cancelled mid-query: the connection's state is unknown
            raise
        except Exception:
            # Lost, or the query itself failed: the pool runs it again, and reports any error as Tortoise does.
            self.readers.drop(reader)
            return await self._pooled(query, values)
        self.readers.give_back(reader)
        return len(rows), rows

    async def _pooled(self, query: str, values: list[Any] | None) -> tuple[int, list[Any]]:
        found: tuple[int, list[Any]] = await super().execute_query(query, values)
        return found

    async def close(self) -> None:
        await self.readers.close()
        await super().close()


client_class = ReadingClient
