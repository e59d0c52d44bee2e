"""Logging set-up for ``python main.py``: readable lines, or one JSON object a line (LOG_FORMAT=json).

No token reaches the log: the server logs no query string, no body and no header itself, uvicorn's access
line loses its query string, and in production every line passes :class:`RedactSecrets` on its way out,
for whatever a library or a traceback might carry.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

from settings import Settings


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...fields, "exc"?}`` on one line.

    ``fields`` is a dict a caller passes as ``extra={"fields": {...}}`` (the access log does); other
    extras, such as uvicorn's coloured copy of its message, are left out.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)  # exc_text: redacted
        return json.dumps(entry, default=str, ensure_ascii=False)


REDACTED = "[redacted]"
# What may carry a token in a line: a URL's query string (a mailed link's ?token=, GET /graphql?query=…&
# variables=…), uvicorn's trace of an ASGI scope (--log-level trace), a value named as a token, password or
# secret (token=…, "refreshToken": "…", verifyEmail(token: "…")), and a JWT (an access token) anywhere.
_SECRETS = (
    (re.compile(r"(/[^\s?\"'<>]*)\?[^\s\"'<>]+"), rf"\1?{REDACTED}"),
    (re.compile(r"('query_string': b)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"), rf"\1'{REDACTED}'"),
    (
        re.compile(r"(?i)(\b\w*(?:token|password|secret)\b\\?[\"']?\s*[:=]\s*\\?[\"']?)[^\s\"'\\&,;)}\]]+"),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), REDACTED),
)
_MAYBE_SECRET = re.compile(r"\?|query_string|token|password|secret|eyJ", re.IGNORECASE)  # most lines: none
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
# Tortoise and the database drivers log SQL statements with their values at DEBUG: password hashes,
# refresh-token hashes and the outbox's links among them.
SQL_LOGGERS = ("tortoise", "aiosqlite", "asyncpg", "asyncmy")


def redact(text: str) -> str:
    """``text`` without the values that may be tokens (see _SECRETS)."""
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Production's handler filter: the line, its JSON fields and its traceback, redacted."""

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it, with nothing of its arguments
            record.msg, record.args = f"unloggable message from {record.pathname}:{record.lineno}", None
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
            record.__dict__.pop("color_message", None)  # uvicorn's coloured copy, unredacted
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {key: redact(value) if isinstance(value, str) else value for key, value in fields.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self._tracebacks.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class WithoutQueryString(logging.Filter):
    """uvicorn's access line (under its own command) shows the path with its query string, where a GET
    carries its GraphQL variables and a link its token: the query string becomes ``?[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].partition("?")[0] + "?" + REDACTED, *args[3:])
        return True


def protect_logs(settings: Settings) -> None:
    """Under uvicorn's own command logging may be the operator's (``--log-config``): uvicorn's access line
    loses its query string; in production every handler of the root and of uvicorn's loggers redacts, and
    the SQL loggers stay at INFO whatever the configuration says."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, WithoutQueryString) for existing in access.filters):
        access.addFilter(WithoutQueryString())
    if not settings.is_production:
        return
    for name in SQL_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    for name in ("", *UVICORN_LOGGERS):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
                handler.addFilter(RedactSecrets())


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Neither format shows the thread or the process: without these, every record (one a request, for the access
# log) looks up the thread's name, the process id and multiprocessing's process name: a quarter of its cost.
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False


def log_config(settings: Settings) -> dict[str, Any]:
    """A dictConfig: one stderr handler on the root logger; uvicorn's loggers propagate to it.

    Handed to uvicorn as ``log_config``, so every worker process applies it too.
    """
    formatter: dict[str, Any] = {"()": JsonFormatter} if settings.log_format == "json" else {"format": TEXT_FORMAT}
    production = settings.is_production
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"redact": {"()": RedactSecrets}} if production else {},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["redact"] if production else [],
            }
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error")},
            # web.access_log writes the line per request; uvicorn's own would repeat it (under uvicorn's
            # command too, where this configuration is applied after uvicorn's and would revive it).
            "uvicorn.access": {"handlers": [], "propagate": False},
            # SQL statements with their values (SQL_LOGGERS) stay out of the log even at LOG_LEVEL=DEBUG.
            **{name: {"level": "INFO"} for name in SQL_LOGGERS},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(log_config(settings))
