"""Assembles the GraphQL schema and the Starlette app; ``python main.py`` serves it with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from functools import partial
from typing import TypeVar

import strawberry
import uvicorn
from graphql import DocumentNode, GraphQLError, NoSchemaIntrospectionCustomRule
from graphql.validation import ASTValidationRule
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit
from strawberry.types import ExecutionContext
from tortoise import Tortoise
from tortoise.contrib.starlette import RegisterTortoise

import database
from resolvers import Mutation, Query
from schema.cost import cost_limit
from schema.errors import log_unexpected
from schema.http import BodySizeLimit, GraphQLApp
from schema.pagination import FIRST_MAX
from schema.persisted import ManifestError, persisted_queries_for
from schema.pipeline import RequestPipeline
from schema.trusted import prepare_trusted
from schema.validation import CountValidations
from services import maintenance
from services.accounts import registration
from services.errors import AccountError
from services.identity import two_factor
from services.mail import outbox, sender
from services.people import counters
from services.throttle import Throttle
from services.throttle_counters import counters_for
from settings import Settings, SettingsError, help_table
from web import graphiql, metrics, tracing
from web.access_log import RequestLog
from web.authentication import Authentication
from web.logs import configure_logging, log_config, protect_logs

# What stops start-up with a message for the operator: `python main.py` prints it and exits 2; under
# uvicorn's own command the lifespan reports it and uvicorn exits 3. Never a traceback.
STARTUP_ERRORS = (SettingsError, ManifestError, database.DatabaseNotReady)


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Rejected requests are the client's business; only unexpected errors reach the log.
        log_unexpected(errors)


def build_schema(
    settings: Settings, manifest: Mapping[str, str] | None = None, extra: Sequence[Callable[[], SchemaExtension]] = ()
) -> AppSchema:
    """The schema with its guards. The rules are built once, so the validation cache can hit; the
    manifest's trusted documents are parsed and validated here, once."""
    rules: list[type[ASTValidationRule]] = [
        depth_limit(settings.max_query_depth, None, None),
        alias_limit(settings.max_aliases),
        cost_limit(budget=settings.max_query_cost, max_nested=settings.max_nested_connections, max_page=FIRST_MAX),
        CountValidations,
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    trusted: dict[str, DocumentNode] = {}
    built = AppSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            # Adds the rules, parses once per distinct text with the token and selection limits (before any
            # validation), validates once per document, and names the operation: one extension, one set of hooks.
            partial(
                RequestPipeline,
                rules=rules,
                max_tokens=settings.max_tokens,
                max_selections=settings.max_selections,
                trusted=trusted,
            ),
            *extra,
        ],
    )
    prepare_trusted(
        built,
        manifest or {},
        rules,
        max_tokens=settings.max_tokens,
        max_selections=settings.max_selections,
        into=trusted,
    )
    return built


schema = build_schema(Settings())  # the SDL does not depend on settings; export-schema prints this one


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


def create_app(settings: Settings) -> Starlette:
    throttle = Throttle(counters_for(settings.redis_url, settings.redis_prefix), settings)
    persisted = persisted_queries_for(settings, throttle)
    tracer_provider = tracing.tracer_provider(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # serve()'s checks, in its order (settings and the manifest ran before, in create_app), so that
        # `uvicorn main:app` refuses what `python main.py` refuses.
        if settings.database_url == "":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with RegisterTortoise(app, config=database.tortoise_config(settings.db_url)):
            await prepare_database(settings)
            settings.check_mail()
            cleaning = asyncio.create_task(maintenance.run_periodically(settings))
            try:
                async with metrics.sampling(), sender.running(settings):  # sender: the outbox's mail
                    yield
            finally:
                cleaning.cancel()
                with suppress(asyncio.CancelledError):
                    await cleaning
        await throttle.counters.close()
        await persisted.close()
        if tracer_provider is not None:
            tracer_provider.shutdown()  # sends the spans still queued

    # RequestLog first: it times, logs and counts every request, the ones the other middleware refuse included.
    middleware = [
        Middleware(RequestLog),
        Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
        Middleware(Authentication, settings=settings),
    ]
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
        # /graphql first: Starlette tries the routes in order, and nearly every request is for it.
        routes=[
            Route(
                "/graphql",
                GraphQLApp(
                    build_schema(settings, persisted.manifest, tracing.extensions(tracer_provider)),
                    settings,
                    throttle,
                    persisted,
                ),
            ),
            Route("/", home),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route(
                metrics.PATH,
                metrics.metrics_endpoint(
                    token=settings.metrics_token,
                    enabled=settings.metrics_enabled,
                    multiprocess_dir=settings.prometheus_multiproc_dir,
                ),
            ),
            Mount(graphiql.MOUNT, graphiql.Assets(directory=graphiql.ASSETS_DIR, check_dir=False)),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.throttle = throttle
    app.state.persisted = persisted
    app.state.tracer_provider = tracer_provider
    metrics.sampled("database_pool_connections", "connections the database pool holds open", database.pool_connections)
    metrics.sampled("database_pool_in_use", "database pool connections lent out to queries", database.pool_in_use)
    # Every worker reads the same table, so workers' values are alike: the largest, not the sum.
    metrics.sampled_together(OUTBOX_GAUGES, outbox_gauges, mode="livemax")
    return app


OUTBOX_GAUGES = {
    "mail_outbox_pending": "mails not sent yet, those waiting for a retry included",
    "mail_outbox_failed": "mails given up on after their tries (python main.py outbox lists them)",
    "mail_outbox_oldest_pending_seconds": "age of the oldest mail not sent yet, 0 when none: alert on it",
}


async def outbox_gauges() -> dict[str, float]:
    depth = await outbox.depth()
    return {
        "mail_outbox_pending": depth.pending,
        "mail_outbox_failed": depth.failed,
        "mail_outbox_oldest_pending_seconds": depth.oldest_pending_seconds,
    }


class _AppFromEnvironment:
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


app = _AppFromEnvironment()


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


async def prepare_database(settings: Settings) -> None:
    """Start-up's database checks, in the lifespan and in ``python main.py`` before its workers start:
    the database answers; development migrates itself so a fresh clone just runs, production is migrated
    on purpose and refuses pending migrations; TOTP_ENCRYPTION_KEY once anyone uses two-factor sign-in."""
    try:
        await database.check_reachable()
    except Exception as exc:  # refused, unknown host, no such database or role: all the operator's to fix
        raise database.DatabaseNotReady(f"cannot reach the database: {type(exc).__name__}: {exc}") from None
    await database.prepare(apply=not settings.is_production)
    await two_factor.check_configured(settings=settings)


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()  # fail fast, before uvicorn, with a readable message
    configure_logging(settings)
    check_startup(settings)
    # Migrate (development) or refuse pending migrations (production) once, before any worker starts.
    _with_database(settings, partial(prepare_database, settings))
    settings.check_mail()
    with metrics_directory(settings):
        # Every worker applies log_config; uvicorn's own access log is replaced by web.access_log.
        uvicorn.run(
            "main:app",
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=log_config(settings),
            log_level=settings.log_level.lower(),
            access_log=False,
            # uvicorn would otherwise rewrite the client address from X-Forwarded-For for peers in its own
            # FORWARDED_ALLOW_IPS (127.0.0.1 by default); only TRUSTED_PROXIES may decide (web/authentication.py).
            proxy_headers=False,
        )
    return 0


def check_startup(settings: Settings) -> None:
    """What each worker's create_app would refuse, refused once here, before uvicorn starts them, with the
    same message."""
    manifest = persisted_queries_for(settings, shared=False).manifest
    build_schema(settings, manifest)  # every manifest document parsed and validated
    tracing.check_installed(settings)


@contextmanager
def metrics_directory(settings: Settings) -> Iterator[None]:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR for this run (files of an old run would add up)."""
    if settings.workers == 1:
        yield
        return
    directory = tempfile.mkdtemp(prefix="user-service-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # read by the workers' prometheus_client and Settings
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


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


def create_admin(args: argparse.Namespace) -> int:
    """Make an existing user an admin. The only way anyone becomes one."""
    settings = Settings.from_environ()

    async def promote() -> str:
        await database.prepare(apply=not settings.is_production)
        user = await registration.grant_admin(args.user_name)
        return user.user_name

    try:
        name = _with_database(settings, promote)
    except AccountError as exc:
        print(f"error: {exc.message} Register the account first, then run create-admin.", file=sys.stderr)
        return 1
    print(f"{name} is now an admin.")
    return 0


def recount(args: argparse.Namespace) -> int:
    """Check every user's followersCount and followingCount against the follow rows; fix and list the wrong ones."""
    settings = Settings.from_environ()
    try:
        fixes = _with_database(settings, counters.recount)
    except database.DatabaseNotReady:
        raise
    except Exception as exc:  # a database error part-way: every fix made so far was committed on its own
        print(f"error: recount stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for fix in fixes:
        print(f"fixed {fix.user_name}: {fix.field} {fix.was} -> {fix.now}")
    print(f"{len(fixes)} count(s) fixed." if fixes else "Every count matches the rows.")
    return 0


def purge(args: argparse.Namespace) -> int:
    """The server's periodic clean-up, once, now (e.g. from cron when no server runs)."""
    settings = Settings.from_environ()

    async def clean() -> maintenance.Purged:
        await database.prepare(apply=not settings.is_production)
        return await maintenance.run_once(settings)

    purged = _with_database(settings, clean)
    print(f"purged {purged.accounts} accounts deactivated over {settings.account_restore_days:g} days ago")
    print(f"purged {purged.security_events} security events older than {settings.security_event_days} days")
    return 0


def list_outbox(args: argparse.Namespace) -> int:
    """Mails not sent yet, and mails given up on; never their links or tokens."""
    settings = Settings.from_environ()
    mails = _with_database(settings, outbox.unsent)
    if not mails:
        print("no pending or failed mails")
        return 0
    print("id\tstatus\tattempts\ttemplate\trecipient\tcreated\tnext attempt\tlast error")
    for mail in mails:
        next_attempt = mail.next_attempt_at.isoformat(timespec="seconds") if mail.status == outbox.PENDING else "-"
        print(
            f"{mail.id}\t{mail.status}\t{mail.attempts}\t{mail.template}\t{mail.recipient}\t"
            f"{mail.created_at.isoformat(timespec='seconds')}\t{next_attempt}\t{mail.last_error or '-'}"
        )
    return 0


def disable_2fa(args: argparse.Namespace) -> int:
    """Turn a user's two-factor sign-in off, for an owner who lost the app and the recovery codes."""
    settings = Settings.from_environ()

    async def disable() -> str:
        await database.prepare(apply=not settings.is_production)
        user = await two_factor.disable_by_operator(user_name=args.user_name)
        return user.user_name

    try:
        name = _with_database(settings, disable)
    except AccountError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Two-factor sign-in is off for {name}; every session of it has ended.")
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
    migrate_command = commands.add_parser("migrate", help="apply pending database migrations, then exit")
    migrate_command.add_argument("target", nargs="?", help="stop after this migration, e.g. 0001_initial")
    migrate_command.set_defaults(run=migrate)
    commands.add_parser("purge", help="delete what is past its keeping time, then exit").set_defaults(run=purge)
    admin = commands.add_parser("create-admin", help="make an existing user an admin")
    admin.add_argument("user_name", metavar="USERNAME")
    admin.set_defaults(run=create_admin)
    commands.add_parser(
        "recount", help="check every user's follower counts against the rows, fix and print the wrong ones"
    ).set_defaults(run=recount)
    commands.add_parser("outbox", help="list pending and failed mails (without their links)").set_defaults(
        run=list_outbox
    )
    disable = commands.add_parser(
        "disable-2fa", help="turn a user's two-factor sign-in off (lost authenticator app and recovery codes)"
    )
    disable.add_argument("user_name", metavar="USERNAME")
    disable.set_defaults(run=disable_2fa)
    root.set_defaults(run=serve)
    return root


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except STARTUP_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
