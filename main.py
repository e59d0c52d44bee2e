"""Assembles the GraphQL schema and the Starlette app; ``python main.py`` serves it with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import partial
from types import ModuleType

import strawberry
import uvicorn
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from graphql.validation import ASTValidationRule
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit
from strawberry.types import ExecutionContext
from tortoise import Tortoise
from tortoise.contrib.starlette import RegisterTortoise

from resolvers import Mutation, Query
from schema.errors import log_unexpected
from schema.http import BodySizeLimit, GraphQLApp
from services import accounts
from services.counters import counters_for
from services.errors import AccountError
from services.throttle import Throttle
from settings import Settings, SettingsError, help_table
from web import graphiql
from web.access_log import AccessLog, OperationName
from web.logs import configure_logging

MODELS: dict[str, Iterable[str | ModuleType]] = {"models": ["models"]}


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Rejected requests are the client's business; only unexpected errors reach the log.
        log_unexpected(errors)


def build_schema(settings: Settings) -> AppSchema:
    """The schema with its guards. The rules are built once, so ValidationCache can hit."""
    rules: list[type[ASTValidationRule]] = [
        depth_limit(settings.max_query_depth, None, None),
        alias_limit(settings.max_aliases),
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    return AppSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
            partial(AddValidationRules, rules),
            ParserCache,
            ValidationCache,
            OperationName,
        ],
    )


schema = build_schema(Settings())  # the SDL does not depend on settings; export-schema prints this one


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(settings: Settings) -> Starlette:
    throttle = Throttle(
        counters_for(settings.redis_url, settings.redis_prefix), settings.limits, enabled=settings.rate_limit_enabled
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.database_url == "":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        # generate_schemas(safe) creates missing tables on the first start of an empty database.
        async with RegisterTortoise(app, db_url=settings.db_url, modules=MODELS, generate_schemas=True):
            yield
        await throttle.counters.close()

    # AccessLog first: it times and logs every request, the ones the other middleware refuse included.
    middleware = [Middleware(AccessLog), Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                allow_credentials=False,  # tokens travel in headers, never in cookies
                max_age=600,
            )
        )
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/graphql", GraphQLApp(build_schema(settings), settings, throttle)),
            Mount(graphiql.MOUNT, graphiql.Assets(directory=graphiql.ASSETS_DIR, check_dir=False)),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.throttle = throttle
    return app


class _AppFromEnvironment:
    """``main:app`` for uvicorn: reads the environment when the server starts, not on import."""

    def __init__(self) -> None:
        self._app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = create_app(Settings.from_environ())
        await self._app(scope, receive, send)


app = _AppFromEnvironment()


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


def create_admin(args: argparse.Namespace) -> int:
    """Make an existing user an admin. The only way anyone becomes one."""
    settings = Settings.from_environ()

    async def promote() -> str:
        await Tortoise.init(db_url=settings.db_url, modules=MODELS)
        try:
            await Tortoise.generate_schemas(safe=True)
            user = await accounts.grant_admin(args.user_name)
            return user.user_name
        finally:
            await Tortoise.close_connections()

    try:
        name = asyncio.run(promote())
    except AccountError as exc:
        print(f"error: {exc.message} Register the account first, then run create-admin.", file=sys.stderr)
        return 1
    print(f"{name} is now an admin.")
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
    admin = commands.add_parser("create-admin", help="make an existing user an admin")
    admin.add_argument("user_name", metavar="USERNAME")
    admin.set_defaults(run=create_admin)
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
