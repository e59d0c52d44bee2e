"""The routes beside /graphql: liveness, readiness, and the home page that leads to GraphiQL."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

import database


async def healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database answers and has every migration: send this instance traffic."""
    reason = await database.readiness()
    if reason is not None:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    return RedirectResponse("/graphql")
