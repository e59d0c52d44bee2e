"""`python main.py purge` and the server's periodic clean-up: what is past its keeping time goes."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from main import create_app
from models import SecurityEvent
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.servers import run_main
from tests.support import Api


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
