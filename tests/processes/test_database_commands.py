"""The database commands through the process: `python main.py migrate`, `recount` and `purge`."""

from __future__ import annotations

import asyncio
import os
import shlex
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from tortoise.context import TortoiseContext

import database
from main import create_app
from models import Follow, SecurityEvent, User
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.graphql.test_migrations import INITIAL, LATER_MIGRATIONS
from tests.graphql.test_purge import DEACTIVATE, SECOND
from tests.support import Api, replace
from tests.support.servers import run_main, server_environ

ROOT = Path(__file__).resolve().parents[2]
SERVER_VARIABLES = {"postgres": "TEST_POSTGRES_URL", "mysql": "TEST_MYSQL_URL"}


def _main(tmp_path: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "JWT_SECRET": TEST_SECRET, **environ}
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_refuses_to_start_until_migrate_has_run(tmp_path: Path) -> None:
    refused = _main(tmp_path, APP_ENV="production")
    migrated = _main(tmp_path, "migrate", APP_ENV="production")
    again = _main(tmp_path, "migrate", APP_ENV="production")

    assert refused.returncode == 2
    assert "pending migration" in refused.stderr and "`python main.py migrate`" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert migrated.returncode == 0
    assert migrated.stdout.splitlines() == [f"applied models.{name}" for name in (INITIAL, *LATER_MIGRATIONS)]
    assert (again.returncode, again.stdout.strip()) == (0, "no migrations to apply")


def test_migrate_with_an_unreachable_database_says_so(tmp_path: Path) -> None:
    result = _main(tmp_path, "migrate", DATABASE_URL="postgres://nobody@127.0.0.1:9599/users?timeout=5")

    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


SERVERS = {name: os.environ[variable] for name, variable in SERVER_VARIABLES.items() if variable in os.environ}


@pytest.mark.parametrize("server", list(SERVERS))
def test_a_database_that_does_not_exist_is_named_with_the_command_that_creates_it(tmp_path: Path, server: str) -> None:
    """The server answers, the database is not there: the operator reads its name and how to create it."""
    url = urlsplit(SERVERS[server])
    missing = url._replace(path="/no_such_database_here", query="").geturl()
    served = _main(tmp_path, DATABASE_URL=missing)
    migrated = _main(tmp_path, "migrate", DATABASE_URL=missing)

    for result in (served, migrated):
        assert result.returncode == 2
        assert "the database 'no_such_database_here' does not exist; create it:" in result.stderr
        assert "Traceback" not in result.stderr
    command = migrated.stderr.split("create it: ")[1].strip()
    created = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    try:
        assert created.returncode == 0, created.stderr
        assert _main(tmp_path, "migrate", DATABASE_URL=missing).returncode == 0
    finally:
        _drop(server, command)


def _drop(server: str, create: str) -> None:
    """Undo what the printed command created."""
    if server == "mysql":
        drop = create.replace(
            "CREATE DATABASE `no_such_database_here` CHARACTER SET utf8mb4",
            "DROP DATABASE IF EXISTS `no_such_database_here`",
        )
    else:
        drop = create.replace("createdb", "dropdb --if-exists", 1)
    subprocess.run(shlex.split(drop), capture_output=True, timeout=60, check=False)  # noqa: S603


async def _database_with_a_wrong_count(path: Path) -> str:
    url = f"sqlite:///{path}"
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(url), _create_db=True)
        await database.migrate()
        ann = await User.create(user_name="ann", user_name_key="ann", password_hash="x", following_count=1)
        bob = await User.create(user_name="bob", user_name_key="bob", password_hash="x", followers_count=5)
        await Follow.create(follower=ann, followee=bob, accepted=True)
    return url


async def test_the_command_prints_what_it_fixed(tmp_path: Path) -> None:
    path = tmp_path / "users.sqlite3"
    environ = server_environ(await _database_with_a_wrong_count(path), tmp_path)

    first = run_main(environ, "recount")
    second = run_main(environ, "recount")

    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["fixed bob: followersCount 5 -> 1", "1 count(s) fixed."]
    assert (second.returncode, second.stdout.strip()) == (0, "Every count matches the rows.")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT followers_count FROM users WHERE user_name = 'bob'").fetchone() == (1,)


def test_a_database_error_exits_non_zero(tmp_path: Path) -> None:
    unmigrated = server_environ(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    unreachable = server_environ("postgres://nobody:secret@127.0.0.1:1/users", tmp_path)

    no_tables = run_main(unmigrated, "recount")
    no_server = run_main(unreachable, "recount")

    assert no_tables.returncode == 1
    assert "error: recount stopped" in no_tables.stderr and "Traceback" not in no_tables.stderr
    assert no_server.returncode == 2
    assert "cannot reach the database" in no_server.stderr


def _environ(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "DATA_DIR": str(data_dir), "JWT_SECRET": TEST_SECRET, **extra}


async def test_the_purge_command_prunes_old_security_events(settings: Settings, tmp_path: Path) -> None:
    app = create_app(replace(settings, data_dir=tmp_path, database_url=""))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend="sqlite")
        account = await api.register()
        await api.login("john_doe", "wrong-password-1")
        await SecurityEvent.create(
            user_id=int(account.user["userID"]), kind="LOGIN", at=datetime.now(UTC) - timedelta(days=40)
        )

    result = run_main(_environ(tmp_path, SECURITY_EVENT_DAYS="30"), "purge")

    assert result.returncode == 0, result.stderr
    assert "purged 1 security events" in result.stdout
    async with app.router.lifespan_context(app):
        assert [event.kind for event in await SecurityEvent.all()] == ["LOGIN_FAILED"]


async def test_the_purge_command_deletes_accounts_past_the_restore_window(settings: Settings, tmp_path: Path) -> None:
    app = create_app(replace(settings, data_dir=tmp_path, database_url=""))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend="sqlite")
        john = await api.register("john")
        await api.register("ann")
        await api.execute(DEACTIVATE, {"password": john.password}, token=john.token)

    kept = run_main(_environ(tmp_path, ACCOUNT_RESTORE_DAYS="30"), "purge")
    await asyncio.sleep(1.5)
    purged = run_main(_environ(tmp_path, ACCOUNT_RESTORE_DAYS=str(SECOND)), "purge")

    assert kept.returncode == purged.returncode == 0, (kept.stderr, purged.stderr)
    assert "purged 0 accounts" in kept.stdout
    assert "purged 1 accounts" in purged.stdout
    async with app.router.lifespan_context(app):
        assert sorted(await User.all().values_list("user_name", flat=True)) == ["ann"]
