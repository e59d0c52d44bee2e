"""The framework floor: a bare Strawberry app on Starlette answering ``{ hello }``, no extensions.

Served exactly as ``python main.py`` serves the real app (one uvicorn worker, same options), so the
benchmark can divide every figure by it: on a shared machine the ratio is steadier than requests/s.
``--cached`` serves the second floor: the same app with Strawberry's ParserCache and ValidationCache, the
honest ceiling for any Strawberry server (most of the first floor's time is validating ``{ hello }``).
"""

from __future__ import annotations

import os
import sys

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


CACHED = "--cached" in sys.argv[1:]
schema = strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache] if CACHED else [])
app = Starlette(routes=[Route("/graphql", GraphQL(schema))])

if __name__ == "__main__":
    # As main.serve runs uvicorn: one worker, info level, uvicorn's own access log off (the app logs
    # its requests itself; that cost is the app's, so the floor has none), its proxy-header handling off.
    uvicorn.run(
        app,
        host=os.environ["HOST"],
        port=int(os.environ["PORT"]),
        log_level="info",
        access_log=False,
        proxy_headers=False,
    )
