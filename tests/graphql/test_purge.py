"""The server's periodic clean-up: what is past its keeping time goes (the `python main.py purge` command:
tests/processes/test_database_commands.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from main import create_app
from models import User
from settings import Settings
from tests.support import Api, replace

DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SECOND = 1 / 86400  # of a day


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
