"""Fixtures: a fresh database per test on every configured backend, and an HTTP client for the app.

SQLite always runs; ``TEST_POSTGRES_URL`` (and ``TEST_MYSQL_URL``) add PostgreSQL (and MySQL/MariaDB).
Each test gets its own database there (``<name>_<random>``), dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from tortoise.context import TortoiseContext

import database
from main import create_app
from settings import Settings
from tests.support import Api

TEST_SECRET = "test-only-secret-never-used-outside-the-test-suite"


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
    """A new, empty database (no tables, no migrations applied); yields the backend's name."""
    url = BACKENDS[request.param]
    # A connection label per backend: Tortoise caches compiled SQL per label, process-wide.
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(url, connection=request.param, testing=True), _create_db=True)
        name = getattr(ctx.db(request.param), "database", None)
        yield request.param
    if request.param != "sqlite":
        await _drop_database(request.param, url, name)


@pytest.fixture
async def db(blank_db: str) -> str:
    """A new database built by the migrations, as production builds it; the backend's name."""
    await database.migrate()
    return blank_db


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
    return Settings(app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4)


@pytest.fixture
async def api(db: str, settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, backend=db)
