"""The one way a command reaches the database: connected, checked, and closed again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise import Tortoise

import database
from settings import Settings

T = TypeVar("T")


def with_database(settings: Settings, work: Callable[[], Awaitable[T]], *, prepared: bool = False) -> T:
    """Run ``work`` against the configured database, outside the server. ``prepared``: first migrate
    (development) or refuse pending migrations (production), as the server's start-up does."""

    async def run() -> T:
        try:
            await Tortoise.init(config=database.config_for(settings))
            await database.check_reachable()
        except Exception as exc:  # refused, unknown host, no such database or role: all the operator's to fix
            await Tortoise.close_connections()
            raise database.unreachable(exc, settings.db_url) from None
        try:
            if prepared:
                await database.prepare_for(settings)
            return await work()
        finally:
            await Tortoise.close_connections()

    if settings.database_url == "":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run())
