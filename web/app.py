"""The Starlette app: its routes, middleware and lifespan, built from the settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount, Route
from tortoise.contrib.starlette import RegisterTortoise

import database
from schema.build import build_schema
from services import maintenance
from services.exports import builder
from services.identity import access_tokens
from services.mail import sender
from services.throttle import Throttle
from services.throttle_counters import counters_for
from services.webhooks import worker as webhooks
from settings import Settings
from web import (
    exports,
    gauges,
    graphiql,
    jwks,
    media,
    metrics,
    passkey_page,
    provider_callback,
    session_cookies,
    tracing,
    uploads,
)
from web.access_log import RequestLog
from web.authentication import Authentication
from web.graphql_view import BodySizeLimit, GraphQLApp
from web.health import healthz, home, readyz
from web.persisted import persisted_queries_for
from web.rest.door import RestDoor, is_rest_path, method_not_allowed, not_found, own_documents, too_large
from web.startup import check_startup


def create_app(settings: Settings) -> Starlette:
    throttle = Throttle(counters_for(settings.redis_url, settings.redis_prefix), settings)
    persisted = persisted_queries_for(settings, throttle)
    tracer_provider = tracing.tracer_provider(settings)
    # The REST door's documents are the server's own: parsed and validated once, here (schema/build.py).
    schema = build_schema(settings, persisted.manifest, tracing.extensions(tracer_provider), own=own_documents())
    graphql = GraphQLApp(schema, settings, throttle, persisted)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # `python main.py`'s checks (settings and the manifest ran before, in create_app), so that
        # `uvicorn main:app` refuses what `python main.py` refuses.
        if settings.database_url == "":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with RegisterTortoise(app, config=database.config_for(settings)):
            await check_startup(settings, app_built=True)
            await access_tokens.signing_keys_for(settings)  # the keyring, loaded before the first request
            cleaning = asyncio.create_task(maintenance.run_periodically(settings))
            try:
                # sender: the outbox's mail; builder: the data exports asked for; webhooks: the account events'
                # deliveries
                async with (
                    metrics.sampling(),
                    sender.running(settings),
                    builder.running(settings),
                    webhooks.running(settings),
                ):
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
        Middleware(RequestLog, counts=is_rest_path),  # the REST door's requests run GraphQL operations: counted
        Middleware(
            BodySizeLimit,
            max_bytes=settings.max_body_bytes,
            refusal=too_large,
            allowance=uploads.upload_allowance("/graphql", settings.media_max_bytes),  # pictures: MEDIA_MAX_BYTES
        ),
        Middleware(Authentication, settings=settings),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "DELETE"],  # PUT and DELETE: the REST door's
                allow_headers=[
                    "*"
                ],  # whatever a client library adds (tracing, client names): no credentials ride on it
                # Tokens travel in headers; only cookie mode's refresh cookie rides on credentials (never with
                # "*": settings refuse AUTH_COOKIES then).
                allow_credentials=settings.auth_cookies,
                max_age=600,
            )
        )
    app = Starlette(
        # /graphql first: Starlette tries the routes in order, and nearly every request is for it.
        routes=[
            Route("/graphql", graphql),
            *RestDoor(graphql).routes(),
            *session_cookies.routes(settings, throttle),  # AUTH_COOKIES: /auth/refresh, /auth/logout
            *provider_callback.routes(settings),  # /auth/callback/{provider}
            *exports.routes(settings),  # /exports/{id}: data-export archives
            *media.routes(settings),  # /media/...: profile pictures
            *jwks.routes(settings),  # /.well-known/jwks.json, /.well-known/openid-configuration
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
            # Trying passkeys by hand (GraphiQL cannot call navigator.credentials): development only.
            *([] if settings.is_production else [Route(passkey_page.PATH, passkey_page.passkey_page)]),
        ],
        middleware=middleware,
        # Any other path, or a wrong method: JSON that says where the API is (web/rest/door.py).
        exception_handlers={404: not_found, 405: method_not_allowed},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.throttle = throttle
    app.state.persisted = persisted
    app.state.tracer_provider = tracer_provider
    gauges.register()
    return app
