"""Assembles the GraphQL schema and the Starlette app; ``python main.py`` serves it with uvicorn."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import ModuleType

import strawberry
import uvicorn
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionContext, ExecutionResult
from tortoise.contrib.starlette import RegisterTortoise

from resolvers import Mutation, Query
from schema.context import Context
from schema.errors import client_errors, log_unexpected
from settings import Settings, SettingsError, help_table
from web import graphiql
from web.access_log import AccessLog, OperationName
from web.logs import configure_logging

MODELS: dict[str, Iterable[str | ModuleType]] = {"models": ["models"]}


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Rejected requests are the client's business; only unexpected errors reach the log.
        log_unexpected(errors)


schema = AppSchema(query=Query, mutation=Mutation, extensions=[ParserCache, ValidationCache, OperationName])


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
        return HTMLResponse(graphiql.offline_page(self.graphql_ide_html))


async def healthz(request: Request) -> Response:
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
        # generate_schemas(safe) creates missing tables on the first start of an empty database.
        async with RegisterTortoise(app, db_url=current.db_url, modules=MODELS, generate_schemas=True):
            yield

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/graphql", GraphQLApp(schema)),
            Mount(graphiql.MOUNT, graphiql.Assets(directory=graphiql.ASSETS_DIR, check_dir=False)),
        ],
        middleware=[Middleware(AccessLog)],
        lifespan=lifespan,
    )
    if settings is not None:
        app.state.settings = settings
    return app


app = create_app()


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()  # fail fast, before uvicorn, with a readable message
    configure_logging(settings)
    # log_config=None: uvicorn's loggers use ours; its access log is replaced by web.access_log.
    uvicorn.run(
        "main:app",
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
    return 0


def export_schema(args: argparse.Namespace) -> int:
    print(schema.as_str())
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python main.py",
        description="The GraphQL user-management server. Without a command it serves the API.",
        epilog="environment variables (settings.py reads them; see README, Configuration):\n" + help_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="serve the API with uvicorn (the default)").set_defaults(run=serve)
    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=export_schema)
    root.set_defaults(run=serve)
    return root


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
