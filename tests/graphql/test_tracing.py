"""OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, operations reach an OTLP/HTTP collector, without secrets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from main import create_app
from settings import Settings
from tests.support import LOGIN, PASSWORD, REGISTER, Api

pytest.importorskip("opentelemetry.sdk", reason="tracing is the optional `otel` extra (the dev extra installs it)")
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support import replace


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP receiver on a loopback port that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.received.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def spans(self) -> list[tuple[str, dict[str, str]]]:
        found = []
        for path, body in self.received:
            assert path == "/v1/traces"
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        attributes = {a.key: a.value.string_value for a in span.attributes}
                        found.append((span.name, attributes))
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_operations_are_traced_without_passwords_or_arguments(
    db: str, settings: Settings, collector: Collector
) -> None:
    app = create_app(replace(settings, otel_exporter_otlp_endpoint=collector.url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        api = Api(client, backend=db)
        await api.execute(REGISTER, {"input": {"userName": "grace", "password": PASSWORD}})
        await api.execute(LOGIN, {"userName": "grace", "password": PASSWORD})
        inline = 'mutation Inline { login(userName: "grace", password: "secure_password123") { accessToken } }'
        await api.execute(inline)
    app.state.tracer_provider.shutdown()  # what the lifespan does at exit: send what is queued

    spans = collector.spans()
    names = [name for name, _ in spans]
    assert "GraphQL Query: Login" in names and "GraphQL Query: Inline" in names
    assert "GraphQL Resolving: login" in names
    login = next(attributes for name, attributes in spans if name == "GraphQL Query: Inline")
    assert len(login["graphql.document.sha256"]) == 64
    assert all(PASSWORD not in value for _, attributes in spans for value in attributes.values())
    assert not any(key.startswith("graphql.param.") for _, attributes in spans for key in attributes)
