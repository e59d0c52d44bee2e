"""Optional OpenTelemetry tracing through Strawberry's own extension, when OTEL_EXPORTER_OTLP_ENDPOINT is set.

The exporter is not in the default install: ``pip install 'user-service[otel]'``. Spans carry no secrets:
resolver arguments (passwords, tokens) are dropped, and the document is recorded by its SHA-256 (the hash a
persisted query is sent by), since a client may write a password into the document itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from strawberry.extensions import LifecycleStep, SchemaExtension

from settings import Settings, SettingsError

SERVICE_NAME = "user-service"
TRACES_PATH = "/v1/traces"
NOT_INSTALLED = (
    "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed: pip install 'user-service[otel]'"
)


class TracingUnavailable(SettingsError):
    pass


def check_installed(settings: Settings) -> None:
    """Refuse to start when tracing is asked for but its extra is not installed."""
    if settings.otel_exporter_otlp_endpoint:
        try:
            import opentelemetry.exporter.otlp.proto.http.trace_exporter
            import opentelemetry.sdk.trace  # noqa: F401
        except ImportError:
            raise TracingUnavailable(NOT_INSTALLED) from None


def tracer_provider(settings: Settings) -> Any | None:
    """A provider exporting spans over OTLP/HTTP to the configured collector, or None when tracing is off."""
    if not settings.otel_exporter_otlp_endpoint:
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise TracingUnavailable(NOT_INSTALLED) from None
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/")
    if not endpoint.endswith(TRACES_PATH):
        endpoint += TRACES_PATH  # the variable names the collector; traces go to its /v1/traces, as the SDK does
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def extensions(provider: Any | None) -> list[Callable[[], SchemaExtension]]:
    """Strawberry's OpenTelemetry extension, told to keep secrets out, or nothing when tracing is off."""
    if provider is None:
        return []
    from strawberry.extensions.tracing import OpenTelemetryExtension

    class Tracing(OpenTelemetryExtension):
        def on_operation(self) -> Generator[None, None, None]:
            steps = super().on_operation()
            next(steps)  # the operation's span is open, with the document as its "query" attribute
            span = self._span_holder[LifecycleStep.OPERATION]
            query = self.execution_context.query or ""
            span.set_attribute("query", "[not recorded]")
            span.set_attribute("graphql.document.sha256", hashlib.sha256(query.encode()).hexdigest())
            yield
            next(steps, None)

    def no_arguments(args: dict[str, Any], info: Any) -> dict[str, Any]:
        return {}

    return [partial(Tracing, arg_filter=no_arguments, tracer_provider=provider)]
