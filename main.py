"""Assembles the GraphQL schema and the Starlette app; ``python main.py`` serves it with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import strawberry
import uvicorn
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionContext, ExecutionResult
from tortoise import Tortoise
from tortoise.contrib.starlette import RegisterTortoise

import database
from resolvers import Mutation, Query
from schema.context import Context
from schema.errors import client_errors, log_unexpected
from settings import Settings, SettingsError


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Rejected requests are the client's business; only unexpected errors reach the log.
        log_unexpected(errors)


schema = AppSchema(query=Query, mutation=Mutation, extensions=[ParserCache, ValidationCache])


class GraphQLApp(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        if not (isinstance(request, Request) and isinstance(response, Response)):
            raise TypeError("GraphQL over WebSocket is not served.")
        return Context(request=request, response=response, settings=request.app.state.settings)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Every response passes here, parse errors included: the one place errors get their code.
        if result.errors:
            result.errors = client_errors(result.errors)
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> Response:
        if request.app.state.settings.is_production:
            return Response("GraphiQL is off in production.", status_code=404)
        return await super().render_graphql_ide(request)


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


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI app. Without ``settings`` they are read from the environment at start-up."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings is None:
            app.state.settings = Settings.from_environ()
        current: Settings = app.state.settings
        if current.database_url == "":
            current.data_dir.mkdir(parents=True, exist_ok=True)
        async with RegisterTortoise(app, config=database.tortoise_config(current.db_url)):
            # Development migrates itself so a fresh clone just runs; production is migrated on purpose.
            await database.prepare(apply=not current.is_production)
            yield

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", GraphQLApp(schema)),
        ],
        lifespan=lifespan,
    )
    if settings is not None:
        app.state.settings = settings
    return app


app = create_app()


T = TypeVar("T")


def _with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database, outside the server."""

    async def run() -> T:
        try:
            await Tortoise.init(config=database.tortoise_config(settings.db_url))
            await database.check_reachable()
        except Exception as exc:  # refused, unknown host, no such database or role: all the operator's to fix
            await Tortoise.close_connections()
            raise database.DatabaseNotReady(f"cannot reach the database: {type(exc).__name__}: {exc}") from None
        try:
            return await work()
        finally:
            await Tortoise.close_connections()

    if settings.database_url == "":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run())


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()  # fail fast, before uvicorn, with a readable message
    # Migrate (development) or refuse pending migrations (production) once, before any worker starts.
    _with_database(settings, lambda: database.prepare(apply=not settings.is_production))
    uvicorn.run("main:app", host=settings.host, port=settings.port, workers=settings.workers, log_level="info")
    return 0


def migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    applied = _with_database(settings, lambda: database.migrate(args.target))
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("no migrations to apply")
    return 0


def export_schema(args: argparse.Namespace) -> int:
    print(schema.as_str())
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python main.py", description="The GraphQL user-management server.")
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="serve the API with uvicorn (the default)").set_defaults(run=serve)
    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=export_schema)
    migrate_command = commands.add_parser("migrate", help="apply pending database migrations, then exit")
    migrate_command.add_argument("target", nargs="?", help="stop after this migration, e.g. 0001_initial")
    migrate_command.set_defaults(run=migrate)
    root.set_defaults(run=serve)
    return root


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except (SettingsError, database.DatabaseNotReady) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
