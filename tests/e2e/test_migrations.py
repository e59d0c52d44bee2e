"""Migrations: the committed files match the models, `python main.py migrate` applies them, and an
old database is upgraded in place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

import database
from main import create_app
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import ME, Api

ROOT = Path(__file__).resolve().parents[2]
INITIAL = "0001_initial"


async def test_the_models_have_no_change_without_a_migration() -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config("sqlite://:memory:"))
        detector = MigrationAutodetector(ctx.apps, {database.APP: database.app_config()})
        changes = await detector.changes()

    unwritten = [(writer.name, [op.describe() for op in writer.operations]) for writer in changes]
    assert unwritten == [], "models/ changed without a migration: run `make migration` and commit it"


async def test_upgrading_a_database_made_by_the_initial_migration_keeps_its_rows(
    blank_db: str, settings: Settings
) -> None:
    await database.migrate(INITIAL)
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        api = Api(client, backend=blank_db)
        john = await api.register("john_doe", email="müller@example.com", phoneNumber="+1234567890")
        await api.update_user(john, bio="written before the upgrade", website="https://john.example")
        jane = await api.register("jane", email="jane@example.com")
        behind = await client.get("/readyz")

        applied = await database.migrate()

        assert behind.status_code == 503 and "migrations pending" in behind.json()["reason"]
        assert applied == ["models.0002_binary_keys_on_mysql"]
        assert (await client.get("/readyz")).status_code == 200
        me = (await api.execute(ME, token=john.token)).data["me"]
        assert (me["bio"], me["profile"]["website"], me["phoneNumber"]) == (
            "written before the upgrade",
            "https://john.example",
            "+1234567890",
        )
        assert (await api.me(jane.token)).data["me"]["email"] == "jane@example.com"
        assert (await api.login("jane@example.com")).data["login"]["user"]["userName"] == "jane"
        # After 0002 an accented neighbour's email is free on MariaDB too.
        muller = await api.register("muller", email="muller@example.com")
        assert (await api.me(muller.token)).data["me"]["email"] == "muller@example.com"


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
    assert migrated.stdout.splitlines() == ["applied models.0001_initial", "applied models.0002_binary_keys_on_mysql"]
    assert (again.returncode, again.stdout.strip()) == (0, "no migrations to apply")


def test_migrate_with_an_unreachable_database_says_so(tmp_path: Path) -> None:
    result = _main(tmp_path, "migrate", DATABASE_URL="postgres://nobody@127.0.0.1:9599/users?timeout=5")

    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr
