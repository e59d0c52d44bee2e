"""Prometheus metrics: GET /metrics in the text format, correct across uvicorn workers.

With ``WORKERS`` > 1, ``python main.py`` gives the workers a fresh ``PROMETHEUS_MULTIPROC_DIR``: each worker
writes its values to files there and ``/metrics``, in whichever worker answers, adds them all up
(prometheus_client's multiprocess mode). ``METRICS_TOKEN`` protects the endpoint; in production it is off
without one.

Other modules add what they own: ``sampled(name, description, read)`` registers a gauge read every
``SAMPLE_EVERY`` seconds by each worker, and just before each answer (the database pool's);
``sampled_together`` several gauges that one read gives (the mail outbox's depth, one query).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any, Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

log = logging.getLogger("app.metrics")

PATH = "/metrics"
GRAPHQL_PATH = "/graphql"  # the path web.access_log.RequestLog counts here (and the REST door's, web/rest)
MAX_OPERATIONS = 200  # distinct operation names per process; clients choose them, so past this they count as "other"
SAMPLE_EVERY = 5.0  # seconds between readings of sampled gauges

REQUESTS = Counter(
    "graphql_requests_total",
    "GraphQL requests by operation name and outcome (ok, or the first error's extensions.code, or HTTP_<status>)",
    ["operation", "outcome"],
)
LATENCY = Histogram(
    "graphql_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by operation name",
    ["operation"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
THROTTLED = Counter(
    "throttle_refusals_total", "fields refused with TOO_MANY_REQUESTS, by operation name", ["operation"]
)

GaugeMode = Literal["livesum", "livemax", "livemin", "liveall", "mostrecent"]


Reading = Mapping[str, float] | None  # gauge name -> value; None (or a missing name): leave them


_gauges: dict[str, Gauge] = {}  # one per name and process: prometheus_client refuses a second
_readers: dict[tuple[str, ...], Callable[[], Awaitable[Reading]]] = {}


def sampled(
    name: str, description: str, read: Callable[[], Awaitable[float | None]], *, mode: GaugeMode = "livesum"
) -> None:
    """A gauge whose value ``read()`` gives (None: leave it), read every SAMPLE_EVERY seconds by each worker.

    ``mode`` says how workers' values combine: ``livesum`` for per-process amounts (pool connections),
    ``livemax`` for a value every worker reads alike (the depth of a shared queue).
    """

    async def read_one() -> Reading:
        value = await read()
        return None if value is None else {name: value}

    sampled_together({name: description}, read_one, mode=mode)


def sampled_together(
    descriptions: Mapping[str, str], read: Callable[[], Awaitable[Reading]], *, mode: GaugeMode = "livesum"
) -> None:
    """Gauges that one ``read()`` gives together, by name: several figures from one query. Read as ``sampled``'s.

    Registering the same names again replaces the reader (each app built in a process registers its own).
    """
    for name, description in descriptions.items():
        if name not in _gauges:
            _gauges[name] = Gauge(name, description, multiprocess_mode=mode)
    _readers[tuple(descriptions)] = read


async def sample_once() -> None:
    for names, read in list(_readers.items()):
        try:
            values = await read()
        except Exception:  # a metric must never take a worker down
            log.warning("reading metrics %s failed", ", ".join(names), exc_info=True)
            continue
        for name in names:
            if values is not None and name in values:
                _gauges[name].set(values[name])


@asynccontextmanager
async def sampling() -> AsyncIterator[None]:
    """Run inside the app's lifespan: reads the sampled gauges until the app stops."""

    async def loop() -> None:
        while True:
            await sample_once()
            await asyncio.sleep(SAMPLE_EVERY)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


class _Operations:
    """Operation names as label values, at most MAX_OPERATIONS of them chosen by clients; the server's own
    (reserved: the REST door's) always count by name."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.reserved: set[str] = set()

    def label(self, name: Any) -> str:
        if not isinstance(name, str) or not name:
            return "-"
        if name in self.seen or name in self.reserved:
            return name
        if len(self.seen) >= MAX_OPERATIONS:
            return "other"
        self.seen.add(name)
        return name


_operations = _Operations()


def reserve_operations(names: Iterable[str]) -> None:
    """Operation names of the server's own documents: labelled by name however many clients invented."""
    _operations.reserved.update(names)


_requests: dict[tuple[str, str], Any] = {}
_latencies: dict[str, Any] = {}


def record_graphql(operation: Any, outcome: str, seconds: float, throttled: int = 0) -> None:
    """One /graphql request, counted by web.access_log.RequestLog once its response is sent: ``outcome`` is ok,
    the first error's code, or HTTP_<status> for a request refused before it ran."""
    name = _operations.label(operation)
    # The labelled children, looked up once: .labels() takes a lock and builds keys on every call.
    counter = _requests.get((name, outcome))
    if counter is None:
        counter = _requests[(name, outcome)] = REQUESTS.labels(name, outcome)
    latency = _latencies.get(name)
    if latency is None:
        latency = _latencies[name] = LATENCY.labels(name)
    counter.inc()
    latency.observe(seconds)
    if throttled:
        THROTTLED.labels(name).inc(throttled)


def metrics_endpoint(*, token: str, enabled: bool, multiprocess_dir: str) -> Callable[[Request], Awaitable[Response]]:
    """GET /metrics: the Prometheus text format, behind ``Authorization: Bearer <token>`` when a token is set."""
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        if not enabled:
            return PlainTextResponse("Not Found", status_code=404)
        if token and not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return PlainTextResponse(
                "Send 'Authorization: Bearer <METRICS_TOKEN>'.", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        await sample_once()  # this worker's sampled gauges, fresh
        if multiprocess_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        else:
            registry = REGISTRY
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return metrics
