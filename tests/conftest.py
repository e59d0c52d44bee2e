"""Fixtures: a fresh database per test on every configured backend, and an HTTP client for the app.

SQLite always runs; ``TEST_POSTGRES_URL`` (and ``TEST_MYSQL_URL``) add PostgreSQL (and MySQL/MariaDB).
Each test gets its own database there (``<name>_<random>``), dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiosqlite
import httpx
import pytest
from tortoise.context import TortoiseContext
from tortoise.contrib.test import truncate_all_models

import database
from main import create_app
from settings import Settings
from tests.support import Api

TEST_SECRET = "test-only-secret-never-used-outside-the-test-suite"
TEST_FERNET_KEY = "dGVzdC1vbmx5LWZlcm5ldC1rZXktMzItYnl0ZXMhISE="  # 32 bytes: encrypts the suite's signing keys

# The tiers (domain, http, processes): each test gets the marker of its folder, in one place.
pytest_plugins = ["tests.tiers"]


def _per_test_database(url: str) -> str:
    """Name a fresh database per test: Tortoise fills ``{}`` with a random suffix."""
    if "{}" in url:
        return url
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "test"
    return urlunsplit(parts._replace(path=f"/{name}_{{}}"))


BACKENDS = {"sqlite": "sqlite://:memory:"}
for _name, _variable in (("postgres", "TEST_POSTGRES_URL"), ("mysql", "TEST_MYSQL_URL")):
    if os.environ.get(_variable):
        BACKENDS[_name] = _per_test_database(os.environ[_variable])


@pytest.fixture(params=list(BACKENDS))
async def blank_db(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A new, empty database of its own (no tables, no migrations applied); yields the backend's name."""
    url = BACKENDS[request.param]
    # A connection label per backend: Tortoise caches compiled SQL per label, process-wide.
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(url, connection=request.param, testing=True), _create_db=True)
        name = getattr(ctx.db(request.param), "database", None)
        yield request.param
    if request.param != "sqlite":
        await _drop_database(request.param, url, name)


@pytest.fixture
async def own_db(blank_db: str) -> str:
    """A migrated database of this test's own, for tests that damage it (drop a table, say)."""
    await database.migrate()
    return blank_db


@pytest.fixture(scope="session")
def shared_databases() -> Iterator[dict[str, str]]:
    """One migrated database per server backend for the whole run: creating and migrating one per
    test costs about a second on PostgreSQL and MariaDB, emptying one costs milliseconds."""
    created: dict[str, tuple[str, str]] = {}
    for backend, url in BACKENDS.items():
        if backend != "sqlite":
            created[backend] = (url, asyncio.run(_create_migrated(backend, url)))
    yield {backend: _with_database_name(url, name) for backend, (url, name) in created.items()}
    for backend, (url, name) in created.items():
        asyncio.run(_drop_database(backend, url, name))


async def _create_migrated(backend: str, url: str) -> str:
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(url, connection=backend, testing=True), _create_db=True)
        await database.migrate()
        return str(ctx.db(backend).database)  # type: ignore[attr-defined]


def _with_database_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def sqlite_template() -> Iterator[sqlite3.Connection]:
    """The migrations applied once per run to an in-memory SQLite database, which each test copies:
    running them per test cost most of the fast tiers' time. Unbound to a thread: aiosqlite's copies it."""
    template = sqlite3.connect(":memory:", check_same_thread=False)
    asyncio.run(_migrate_into(template))
    yield template
    template.close()


async def _migrate_into(template: sqlite3.Connection) -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(BACKENDS["sqlite"], connection="sqlite"), _create_db=True)
        await database.migrate()
        await (await _aiosqlite_connection(ctx)).backup(template)


async def _aiosqlite_connection(ctx: TortoiseContext) -> aiosqlite.Connection:
    client = ctx.db("sqlite")
    await client.create_connection(with_db=True)  # type: ignore[attr-defined]
    return client._connection  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(params=list(BACKENDS))
async def db(
    request: pytest.FixtureRequest, shared_databases: dict[str, str], sqlite_template: sqlite3.Connection
) -> AsyncIterator[str]:
    """A migrated database with no rows, as production builds it; yields the backend's name.

    SQLite gets a new in-memory database, a copy of the migrated template (SQLite's backup API, run on
    aiosqlite's thread, which owns the new connection); the server backends share one per run, emptied first.
    """
    backend = request.param
    async with TortoiseContext() as ctx:
        if backend == "sqlite":
            await ctx.init(config=database.tortoise_config(BACKENDS[backend], connection=backend), _create_db=True)
            connection = await _aiosqlite_connection(ctx)
            await connection._execute(sqlite_template.backup, connection._conn)
        else:
            await ctx.init(config=database.tortoise_config(shared_databases[backend], connection=backend))
            await truncate_all_models()
        yield backend


async def _drop_database(backend: str, url: str, name: str) -> None:
    server = urlsplit(url)
    if backend == "postgres":
        import asyncpg

        conn = await asyncpg.connect(urlunsplit(server._replace(scheme="postgresql", path="/postgres")))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
    else:
        import asyncmy

        conn = await asyncmy.connect(
            host=server.hostname, port=server.port or 3306, user=server.username, password=server.password or ""
        )
        try:
            async with conn.cursor() as cursor:
                await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        app_env="test",
        data_dir=tmp_path,
        jwt_secret=TEST_SECRET,
        bcrypt_rounds=4,
        totp_encryption_key=(TEST_FERNET_KEY,),
    )


@pytest.fixture
async def api(db: str, settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, backend=db)
