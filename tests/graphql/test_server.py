"""The server as an operator starts it: settings from the environment, tables on first start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from main import create_app
from settings import Settings
from tests.support import LOGIN, ME, Api, replace


async def test_first_start_creates_the_tables_of_an_empty_database(tmp_path: Path, settings: Settings) -> None:
    app = create_app(replace(settings, data_dir=tmp_path, database_url=""))
    transport = httpx.ASGITransport(app=app)

    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend="sqlite")
        account = await api.register()
        assert (await api.me(account.token)).data["me"]["userName"] == "john_doe"

    assert (tmp_path / "users.sqlite3").exists()


async def test_a_login_does_not_stall_other_requests(api: Api, settings: Settings) -> None:
    """bcrypt runs in a worker thread: requests that need no hashing finish while a login hashes."""
    slow = replace(settings, bcrypt_rounds=14)  # about a second per hash
    app = create_app(slow)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        slow_api = Api(client, backend=api.backend)
        account = await api.register()
        finished: list[str] = []

        async def login() -> None:
            await slow_api.execute(LOGIN, {"userName": "nobody", "password": "whatever-password"})
            finished.append("login")

        async def me() -> None:
            await asyncio.sleep(0.05)  # let the login start hashing first
            assert (await slow_api.execute(ME, token=account.token)).data["me"]
            finished.append("me")

        await asyncio.gather(login(), me())

    assert finished == ["me", "login"]
