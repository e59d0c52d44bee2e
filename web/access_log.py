"""One record per HTTP request: its access-log line, and for /graphql and the REST door (web/rest, whose
routes run GraphQL operations named Rest*) its request metrics.

The line has method, path, GraphQL operation, status, duration and user id. Only these fields are logged,
never a body, a query string or a header, so passwords and tokens cannot reach the log. The edge names the
user (web/authentication.py), the operation, the outcome and the throttled fields (web/graphql_view.py) in the
request's :class:`~web.request_state.RequestState`, which this middleware reads once the response is sent.

One middleware for both, so a request pays for one wrapper of ``send`` and one pair of clock readings.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import metrics
from web.request_state import RequestState, request_state

log = logging.getLogger("app.access")

# The client chooses the path and the operation name: neither may forge a line in the text log.
MAX_PATH = 200
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")  # a GraphQL Name, at most 100 characters
LINE = "%s %s %s %s %.1f ms user=%s"  # method, path, operation, status, duration, user id


def _printable(path: str) -> str:
    if len(path) > MAX_PATH:
        path = path[:MAX_PATH] + "..."
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


class RequestLog:
    """Pure ASGI middleware: no per-request objects beyond a closure, and nothing at all for a request
    that is neither logged (INFO off) nor counted (not /graphql)."""

    def __init__(self, app: ASGIApp, counts: Callable[[str], bool] = lambda path: False) -> None:
        self.app = app
        self.counts = counts  # besides /graphql, the paths whose requests run GraphQL operations (the REST door)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        logged = log.isEnabledFor(logging.INFO)
        counted = scope["path"] == metrics.GRAPHQL_PATH or self.counts(scope["path"])
        if not (logged or counted):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = request_state(scope)
        status = 500  # what the client gets if the app fails before it starts a response

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            seconds = time.perf_counter() - started
            operation = state.operation_name
            if counted:
                outcome = state.outcome or f"HTTP_{status}"
                metrics.record_graphql(operation, outcome, seconds, state.throttled)
            if logged:
                _log_line(scope, operation, status, seconds, state.user_id)


def _log_line(scope: Scope, operation: str | None, status: int, seconds: float, user_id: int | None) -> None:
    duration_ms = round(seconds * 1000, 1)
    path = _printable(scope["path"])
    fields = {
        "method": scope["method"],
        "path": path,
        "operation": operation,
        "status": status,
        "duration_ms": duration_ms,
        "user_id": user_id,
    }
    args = (scope["method"], path, operation or "-", status, duration_ms, user_id if user_id is not None else "-")
    # log.info would also walk the stack for the caller's file and line, which no format here shows.
    record = log.makeRecord(log.name, logging.INFO, __file__, 0, LINE, args, None, extra={"fields": fields})
    log.handle(record)


def note_operation_name(state: RequestState, name: str | None) -> None:
    """Notes the operation's name (sent as operationName, or from the document) for the log line and metrics.

    Called by web.graphql_view once the operation has run (schema.pipeline.RequestPipeline names it)."""
    if name is not None and OPERATION_NAME.fullmatch(name):
        state.operation_name = name
