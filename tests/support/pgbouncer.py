"""A PgBouncer the test starts, in transaction-pooling mode, in front of the TEST_POSTGRES_URL server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.pgbouncer import pgbouncer, through
from tests.support.servers import free_port

POOL_SIZE = 2  # server connections per database: few, so a client's queries land on different ones


@contextmanager
def behind_pgbouncer(database_url: str, log: Path, pool_size: int = POOL_SIZE) -> Iterator[str]:
    """``database_url`` as reached through a new PgBouncer (``pool_mode = transaction``, ``pool_size`` server
    connections), stopped afterwards; its log in ``log``."""
    port = free_port()
    with pgbouncer(database_url, port, pool_size=pool_size, log=log):
        yield through(database_url, port)
