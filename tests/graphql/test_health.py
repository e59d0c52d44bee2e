"""/healthz says the process lives; /readyz says this instance can take traffic."""

from __future__ import annotations

from pathlib import Path

import httpx
from tortoise.context import TortoiseContext

import database
from main import create_app
from settings import Settings
from tests.support import Api

# Every migration file, in order: a blank database lacks them all.
MIGRATIONS = [f"models.{path.stem}" for path in sorted((Path(__file__).parents[2] / "migrations").glob("0*.py"))]


async def test_healthz_answers_ok(api: Api) -> None:
    response = await api.client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ok_on_a_migrated_database(api: Api) -> None:
    response = await api.client.get("/readyz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_names_the_pending_migrations(blank_db: str, settings: Settings) -> None:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": f"migrations pending: {', '.join(MIGRATIONS)}; run `python main.py migrate`",
    }


async def test_readyz_is_503_when_the_database_does_not_answer(settings: Settings) -> None:
    app = create_app(settings)
    async with TortoiseContext() as ctx:
        # Nothing listens on this loopback port.
        await ctx.init(config=database.tortoise_config("postgres://nobody@127.0.0.1:9599/users?timeout=5"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["reason"].startswith("database unreachable")
