"""``python main.py [serve]``: every start-up check once, then uvicorn with its workers."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import uvicorn

from cli import Commands
from cli.connect import with_database
from settings import Settings
from web.logs import configure_logging, log_config
from web.startup import check_startup

log = logging.getLogger("app.start")


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()  # fail fast, before uvicorn, with a readable message
    configure_logging(settings)
    # Migrate (development) or refuse pending migrations (production) once, before any worker starts.
    with_database(settings, partial(check_startup, settings))
    for line in summary(settings):
        log.info("%s", line)
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


def summary(settings: Settings) -> list[str]:
    """What a developer needs first: where GraphiQL is, and where the links in mails lead (the front end)."""
    if settings.is_production:
        return []
    base = f"http://{settings.host}:{settings.port}"
    links = ", ".join(
        f"{name} {url}"
        for name, url in (
            ("VERIFY_EMAIL_URL", settings.verify_email_url),
            ("RESET_PASSWORD_URL", settings.reset_password_url),
            ("UNDO_EMAIL_CHANGE_URL", settings.undo_email_change_url),
        )
    )
    return [
        f"GraphiQL: {base}/graphql (the REST routes: {base}/openapi.json)",
        f"links in mails open the front end: {links}",
    ]


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


def register(commands: Commands) -> None:
    commands.add_parser("serve", help="serve the API with uvicorn (the default)").set_defaults(run=serve)
