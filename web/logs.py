"""Logging set-up for ``python main.py``: readable lines, or one JSON object a line (LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import logging.config
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
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


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
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["stderr"], "level": settings.log_level},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error")},
            # web.access_log writes the line per request; uvicorn's own would repeat it (under uvicorn's
            # command too, where this configuration is applied after uvicorn's and would revive it).
            "uvicorn.access": {"handlers": [], "propagate": False},
            # Tortoise and the database drivers log SQL statements with their values at DEBUG: password
            # hashes and refresh-token hashes among them. They stay out of the log even at LOG_LEVEL=DEBUG.
            **{name: {"level": "INFO"} for name in ("tortoise", "aiosqlite", "asyncpg", "asyncmy")},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(log_config(settings))
