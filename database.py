"""The database: Tortoise configuration, migrations (Tortoise's built-in ones) and a readiness check.

Migration files live in ``migrations/``; write a new one after changing ``models/`` with
``make migration`` and apply it with ``python main.py migrate``.
"""

from __future__ import annotations

import logging
import re
import shlex
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from models import User
from models.fast_reads import connection_pool

if TYPE_CHECKING:
    from settings import Settings

APP = "models"
MIGRATIONS = "migrations"
MIGRATE_COMMAND = "python main.py migrate"

log = logging.getLogger("database")


def app_config(connection: str = "default") -> dict[str, Any]:
    return {"models": ["models"], "migrations": MIGRATIONS, "default_connection": connection}


def tortoise_config(
    db_url: str, *, connection: str = "default", testing: bool = False, pooler: str = "none"
) -> dict[str, Any]:
    """Tortoise's config for one database; pool size and timeouts ride in the URL's query string.

    ``pooler="pgbouncer"``: the URL names PgBouncer in transaction-pooling mode, which hands each transaction
    (each query outside one) to whichever server connection is free. asyncpg's statement cache keeps named
    prepared statements on the server connection that prepared them, so a later query finds it missing (or a
    second client connection finds its name taken) there: the cache goes off (``statement_cache_size=0``), and
    asyncpg prepares each query unnamed, in the same round of messages that runs it. Nothing else the server
    does relies on a server connection outliving a transaction (see README, Deployment).
    """
    credentials = expand_db_url(db_url, testing)
    if pooler == "pgbouncer":
        credentials["credentials"]["statement_cache_size"] = 0
    if credentials["engine"] == ASYNCPG:
        credentials["credentials"]["reset"] = keep_session
        credentials["engine"] = READING_CLIENT  # reads outside a transaction skip the pool (models/postgres_client.py)
    if credentials["engine"] == SQLITE:  # transactions that take the write lock as they begin (models/sqlite_client.py)
        credentials["engine"] = IMMEDIATE_SQLITE
        # A PRAGMA run as the connection opens (Tortoise runs every key left in the URL's query string that way).
        credentials["credentials"].setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
    return {"connections": {connection: credentials}, "apps": {APP: app_config(connection)}}


ASYNCPG = "tortoise.backends.asyncpg"
READING_CLIENT = "models.postgres_client"
SQLITE = "tortoise.backends.sqlite"
IMMEDIATE_SQLITE = "models.sqlite_client"  # Tortoise takes the engine module's ``client_class``
# How long a write waits for another process's write transaction to end before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


async def keep_session(connection: object) -> None:
    """asyncpg's pool ``reset``, run as a connection goes back to the pool: nothing more to do.

    By default asyncpg sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` after every
    query run outside a transaction: a second round trip to the server per read, as costly as the read. The
    server never leaves such state on a connection (no advisory lock, held cursor, LISTEN or SET: README,
    Deployment), and the pool still rolls back a transaction left open before it calls this
    (``tests/domain/test_pool_reset.py``).
    """


def config_for(settings: Settings) -> dict[str, Any]:
    """Tortoise's config for the configured database (DATABASE_URL, DATABASE_POOLER)."""
    return tortoise_config(settings.db_url, pooler=settings.database_pooler)


# For the `tortoise` CLI (`make migration`): writing a migration compares the models with the
# migration files, so no real database is needed.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


class DatabaseNotReady(RuntimeError):
    """The database cannot serve this version of the code; the message says why."""


def _connection() -> BaseDBAsyncClient:
    # The connection our models are bound to, whatever its label (tests use one per backend).
    return User._meta.db


def _executor() -> MigrationExecutor:
    connection = _connection()
    return MigrationExecutor(connection, {APP: app_config(connection.connection_name)})


async def pool_connections() -> float | None:
    """Connections the pool holds open (PostgreSQL, MySQL); None for SQLite, which has no pool."""
    pool = connection_pool(_connection())
    if pool is None:
        return None
    size = pool.get_size() if hasattr(pool, "get_size") else getattr(pool, "size", None)
    return None if size is None else float(size)


async def pool_in_use() -> float | None:
    """Pool connections lent out to queries right now."""
    pool = connection_pool(_connection())
    if pool is None:
        return None
    if hasattr(pool, "get_idle_size"):  # asyncpg
        return float(pool.get_size() - pool.get_idle_size())
    if hasattr(pool, "freesize"):  # asyncmy
        return float(pool.size - pool.freesize)
    return None


async def pending_migrations() -> list[str]:
    """Names of the migrations not yet applied to the database, in the order they would run."""
    steps = await _executor().plan()
    return [f"{step.migration.app_label}.{step.migration.name}" for step in steps if not step.backward]


async def migrate(target: str | None = None) -> list[str]:
    """Apply pending migrations (up to ``target``, e.g. ``0001_initial``); return their names.

    Forward only: a target older than the database is an error, never a silent rollback.
    """
    executor = _executor()
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    targets = None if target is None else [MigrationTarget(app_label=APP, name=target)]
    await executor.migrate(targets, direction="forward", progress=progress)
    return applied


async def check_reachable() -> None:
    await _connection().execute_query("SELECT 1")


def unreachable(exc: Exception, db_url: str | None = None) -> DatabaseNotReady:
    """The operator's message for a database that cannot be reached: refused, unknown host, no such database or
    role, all the operator's to fix. A database that does not exist is named, with the command that creates it."""
    missing = _missing_database(exc)
    if missing is not None and db_url is not None:
        return DatabaseNotReady(f"the database {missing!r} does not exist; create it: {create_command(db_url)}")
    return DatabaseNotReady(f"cannot reach the database: {type(exc).__name__}: {exc}")


# The drivers' own words for "no such database": PostgreSQL's SQLSTATE 3D000, MySQL/MariaDB's error 1049.
_MISSING_SQLSTATE = "3D000"
_MISSING_MYSQL_ERRNO = 1049


def _missing_database(exc: BaseException) -> str | None:
    """The name of the database the server says does not exist, from anywhere in ``exc``'s chain; else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) == _MISSING_SQLSTATE:  # asyncpg
            match = re.search(r'database "([^"]+)"', str(seen))
            return match.group(1) if match else "?"
        args: tuple[object, ...] = getattr(seen, "args", ())
        if len(args) >= 2 and args[0] == _MISSING_MYSQL_ERRNO:  # asyncmy
            match = re.search(r"'([^']+)'", str(args[1]))
            return match.group(1) if match else "?"
        seen = seen.__cause__ or seen.__context__
    return None


def create_command(db_url: str) -> str:
    """The shell command that creates the database ``db_url`` names, on its server, as its user (no password:
    the client asks for it)."""
    url = urlsplit(db_url)
    name = url.path.lstrip("/")
    host, port, user = url.hostname or "127.0.0.1", url.port, unquote(url.username or "")
    if url.scheme.startswith("mysql"):
        parts = ["mariadb", "-h", host, "-P", str(port or 3306)] + (["-u", user] if user else [])
        if url.password:
            parts.append("-p")
        return shlex.join([*parts, "-e", f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"])
    parts = ["createdb", "-h", host, "-p", str(port or 5432)] + (["-U", user] if user else [])
    return shlex.join([*parts, name])


async def require_reachable(db_url: str | None = None) -> None:
    """``check_reachable``, failing with the operator's message."""
    try:
        await check_reachable()
    except Exception as exc:
        raise unreachable(exc, db_url) from None


async def readiness() -> str | None:
    """None when the database answers and is fully migrated, else the reason it is not."""
    try:
        await check_reachable()
    except Exception as exc:  # any driver error means the same to a load balancer
        return f"database unreachable: {type(exc).__name__}"
    pending = await pending_migrations()
    if pending:
        return f"migrations pending: {', '.join(pending)}; run `{MIGRATE_COMMAND}`"
    return None


async def prepare(*, apply: bool) -> None:
    """At start-up: apply pending migrations (development) or refuse to run with any (production)."""
    if apply:
        for name in await migrate():
            log.info("applied migration %s", name)
        return
    pending = await pending_migrations()
    if pending:
        raise DatabaseNotReady(
            f"the database has {len(pending)} pending migration(s) ({', '.join(pending)}); "
            f"apply them with `{MIGRATE_COMMAND}` before starting the server."
        )


async def prepare_for(settings: Settings) -> None:
    """``prepare`` as the settings say: development migrates itself so a fresh clone just runs, production is
    migrated on purpose (``python main.py migrate``) and refuses pending migrations."""
    await prepare(apply=not settings.is_production)
