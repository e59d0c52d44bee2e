"""Metrics, traces and logs."""

from __future__ import annotations

from pydantic import BaseModel, Field

from settings.fields import LogFormat, LogLevel


class ObservabilitySettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    metrics_token: str = Field(
        "",
        description="bearer token `GET /metrics` requires; without one it is open, and off in production",
        repr=False,
    )
    prometheus_multiproc_dir: str = Field(
        "",
        description="set by `python main.py` for WORKERS > 1 (prometheus_client's multiprocess mode); leave it unset",
    )
    otel_exporter_otlp_endpoint: str = Field(
        "",
        description="OTLP/HTTP collector (e.g. `http://otel:4318`): trace each GraphQL operation; needs the "
        "`otel` extra",
    )
    log_format: LogFormat = Field(
        "text", description="`text` (readable lines) or `json` (one JSON object a line); see Logs"
    )
    log_level: LogLevel = Field(
        "INFO", description="`DEBUG`, `INFO`, `WARNING` or `ERROR`; one line per request is `INFO`"
    )
