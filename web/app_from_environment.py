"""``main:app`` for uvicorn's own command: the app built from the environment when the server starts."""

from __future__ import annotations

import logging
import traceback

from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from settings import Settings
from web.app import create_app
from web.logs import configure_logging, protect_logs
from web.startup import STARTUP_ERRORS


class AppFromEnvironment:
    """``main:app`` for uvicorn: reads the environment when the server starts, not on import.

    Started by uvicorn's own command, its lifespan is where every start-up check of ``python main.py``
    runs: one that fails is reported as the lifespan's start-up failure, with the same message and no
    traceback, and uvicorn exits non-zero instead of serving.
    """

    def __init__(self) -> None:
        self._app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            if scope["type"] == "lifespan":
                await self._lifespan(scope, receive, send)
                return
            self._app = self._create()  # uvicorn --lifespan off: nothing is checked, nor connected
        await self._app(scope, receive, send)

    def _create(self) -> Starlette:
        settings = Settings.from_environ()
        if not logging.getLogger().handlers:
            # Started by uvicorn's own command, which configures only its loggers: without this the
            # request and security lines would go nowhere. `python main.py` has configured the root.
            configure_logging(settings)
        protect_logs(settings)  # whoever configured logging: no query string, and in production no token
        return create_app(settings)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False
        held: list[Message] = []

        async def forward(message: Message) -> None:
            nonlocal started
            if message["type"] == "lifespan.startup.failed":
                held.append(message)  # Starlette's traceback; a start-up check's own message replaces it
                return
            started = started or message["type"] == "lifespan.startup.complete"
            await send(message)

        try:
            self._app = self._create()
        except STARTUP_ERRORS as exc:
            await receive()  # lifespan.startup
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        except Exception:  # a failure, not "lifespan unsupported" (uvicorn would then serve without a database)
            await receive()
            await send({"type": "lifespan.startup.failed", "message": traceback.format_exc()})
            raise
        try:
            await self._app(scope, receive, forward)
        except STARTUP_ERRORS as exc:
            if started:
                raise
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
        except BaseException:
            for message in held:
                await send(message)
            raise
