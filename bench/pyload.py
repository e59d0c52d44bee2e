"""The load generator used when wrk is not installed: keep-alive HTTP/1.1 over raw asyncio streams.

``python bench/pyload.py URL REQUESTS_FILE --connections N --duration S`` sends the same requests as
``requests.lua`` (one per line, ``<token or ->\\t<json body>``) for a fixed time and prints the same JSON
line. It stops by itself: every connection stops sending at the deadline, and a reply that takes longer
than ``--timeout`` counts as a socket error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


def build_requests(url: str, path: Path) -> list[bytes]:
    parts = urlsplit(url)
    built = []
    for line in path.read_text().splitlines():
        token, _, body = line.partition("\t")
        payload = body.encode()
        head = [
            f"POST {parts.path or '/'} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
        ]
        if token != "-":  # noqa: S105 - the "no token" marker
            head.append(f"Authorization: Bearer {token}")
        built.append(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    return built


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    socket_errors: int = 0
    bad: int = 0


async def connection(
    number: int, url: str, requests: list[bytes], deadline: float, reply_timeout: float, stats: Stats
) -> None:
    parts = urlsplit(url)
    index = number * 7919
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    except OSError:
        stats.socket_errors += 1
        return
    try:
        while time.perf_counter() < deadline:
            request = requests[index % len(requests)]
            index += 1
            started = time.perf_counter()
            writer.write(request)
            try:
                status, body = await asyncio.wait_for(read_response(reader), reply_timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                stats.socket_errors += 1
                return
            stats.latencies.append(time.perf_counter() - started)
            if status != 200 or b'"errors"' in body:
                stats.bad += 1
    finally:
        writer.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


async def run(
    url: str, requests: list[bytes], connections: int, duration: float, reply_timeout: float
) -> dict[str, object]:
    stats = Stats()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(connection(n, url, requests, deadline, reply_timeout, stats) for n in range(connections)))
    elapsed = time.perf_counter() - started
    latencies = sorted(stats.latencies)
    return {
        "requests": len(latencies),
        "duration_s": elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1e3,
        "p99_ms": percentile(latencies, 0.99) * 1e3,
        "max_ms": (latencies[-1] if latencies else 0.0) * 1e3,
        "socket_errors": stats.socket_errors,
        "bad": stats.bad,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("requests_file", type=Path)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    requests = build_requests(args.url, args.requests_file)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(args.url, requests, args.connections, args.duration, args.timeout))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
