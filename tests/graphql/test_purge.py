"""`python main.py purge` and the server's periodic clean-up: what is past its keeping time goes."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from main import create_app
from models import SecurityEvent, User
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import Api, replace
from tests.support.servers import run_main


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


DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SECOND = 1 / 86400  # of a day


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


async def test_the_server_purges_on_its_own(settings: Settings, tmp_path: Path) -> None:
    short = replace(settings, data_dir=tmp_path, database_url="", account_restore_days=SECOND, maintenance_interval=1)
    app = create_app(short)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend="sqlite")
        john = await api.register("john")
        await api.execute(DEACTIVATE, {"password": john.password}, token=john.token)
        for _ in range(100):  # the first clean-up runs within MAINTENANCE_INTERVAL, then every interval
            if not await User.filter(user_name="john").exists():
                break
            await asyncio.sleep(0.1)

        assert not await User.filter(user_name="john").exists()
