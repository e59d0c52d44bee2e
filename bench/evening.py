"""The busy evening (``--evening``): one mixed load on the app with several workers, as an evening's users send it.

Of every 100 requests a connection sends: 80 ``me`` or profile lookups (``user(userName:)``), 10 followers pages,
5 directory searches, 4 follow or unfollow, 1 login or refresh. Each connection is one user: it follows and
unfollows its own targets (both idempotent, so any order answers without error), and alternates signing in with
its password and trading the refresh token it got for a new pair (refresh tokens are single-use, so the loader
keeps each connection's latest). Reported per kind: req/s, p50, p99 and errors; any error fails the figure.

``python bench/evening.py URL MIX_FILE --connections N --duration S`` is the loader (run.py starts it): the mix
file holds one JSON object a line, ``{"kind", "token", "body"}``, one connection's 100-request round after
another; it prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyload import percentile, read_response  # bench/pyload.py

ROUND = 100
KINDS = {"me/profile": 80, "followers page": 10, "directory search": 5, "follow/unfollow": 4, "login/refresh": 1}
FOLLOW = "mutation Follow($userName: String!) { follow(userName: $userName) { status } }"
UNFOLLOW = "mutation Unfollow($userName: String!) { unfollow(userName: $userName) { userName } }"
REFRESH = (
    "mutation Refresh($refreshToken: String!) "
    "{ refreshToken(refreshToken: $refreshToken) { accessToken refreshToken } }"
)
LOGIN = (
    "mutation Login($userName: String!, $password: String!) "
    "{ login(userName: $userName, password: $password) { accessToken refreshToken } }"
)
# What the app must be told for one machine to play an evening's many users: every request comes from 127.0.0.1,
# where the refresh throttle (60 a minute per address) is meant for one client.
APP_ENVIRONMENT = {"REFRESH_MAX_PER_ADDRESS": "1000000"}


@dataclass(frozen=True)
class Documents:
    me: str
    user: str
    directory: str
    followers: str
    password: str


def mix(
    connections: int,
    total: int,
    token_for: Callable[[int], str],
    documents: Documents,
    rng: random.Random,
    stars: int,
) -> list[dict[str, Any]]:
    """One round of ``ROUND`` requests per connection, shuffled; connection ``c`` is user ``c``."""
    lines: list[dict[str, Any]] = []
    for c in range(connections):
        token = token_for(c)
        kinds = [kind for kind, share in KINDS.items() for _ in range(share)]
        rng.shuffle(kinds)
        target = f"user{(c + total // 2) % total}"
        following = False
        for kind in kinds:
            body: dict[str, Any]
            other = rng.randrange(total)
            if kind == "me/profile":
                body = (
                    {"query": documents.me}
                    if other % 2
                    else {"query": documents.user, "variables": {"userName": f"user{other}"}}
                )
            elif kind == "followers page":
                body = {"query": documents.followers, "variables": {"userName": f"user{other % stars}"}}
            elif kind == "directory search":
                body = {"query": documents.directory, "variables": {"query": f"user{max(1, other // 10)}"}}
            elif kind == "follow/unfollow":
                following = not following
                body = {"query": FOLLOW if following else UNFOLLOW, "variables": {"userName": target}}
            else:
                body = {"query": LOGIN, "variables": {"userName": f"user{c}", "password": documents.password}}
            lines.append(
                {"connection": c, "kind": kind, "token": None if body["query"] == LOGIN else token, "body": body}
            )
    return lines


def write_mix(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines))
    return path


# --- the loader ------------------------------------------------------------------------------------------


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)


def _request(url: str, token: str | None, body: dict[str, Any]) -> bytes:
    parts = urlsplit(url)
    payload = json.dumps(body, separators=(",", ":")).encode()
    head = [
        f"POST {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def _problem(status: int, answer: bytes) -> str:
    """Why an answer is an error, or "": not 200, errors, no data, or a null where the request asked for a thing."""
    if status != 200:
        return f"HTTP {status}: {answer[:300]!r}"
    try:
        parsed = json.loads(answer)
    except ValueError:
        return f"not JSON: {answer[:300]!r}"
    if parsed.get("errors") or not isinstance(parsed.get("data"), dict):
        return f"errors: {answer[:300]!r}"
    if any(value is None for value in parsed["data"].values()):
        return f"null: {answer[:300]!r}"
    return ""


async def _connection(
    url: str, script: list[dict[str, Any]], deadline: float, reply_timeout: float, kinds: dict[str, Kind]
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    refresh_token: str | None = None
    index = 0
    try:
        while time.perf_counter() < deadline:
            line = script[index % len(script)]
            index += 1
            kind, token, body = line["kind"], line["token"], line["body"]
            if kind == "login/refresh" and refresh_token is not None:
                token, body = None, {"query": REFRESH, "variables": {"refreshToken": refresh_token}}
            started = time.perf_counter()
            writer.write(_request(url, token, body))
            try:
                status, answer = await asyncio.wait_for(read_response(reader), reply_timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                kinds[kind].errors += 1
                kinds[kind].first_errors.append(f"socket: {type(exc).__name__}")
                return
            kinds[kind].latencies.append(time.perf_counter() - started)
            if problem := _problem(status, answer):
                kinds[kind].errors += 1
                if len(kinds[kind].first_errors) < 3:
                    kinds[kind].first_errors.append(problem)
                refresh_token = None
            elif kind == "login/refresh":
                data = json.loads(answer)["data"]
                pair = data.get("login") or data.get("refreshToken")
                refresh_token = None if "login" not in data else pair["refreshToken"]  # a login, then a refresh
    finally:
        writer.close()


async def load(url: str, lines: list[dict[str, Any]], duration: float, reply_timeout: float) -> dict[str, Any]:
    scripts: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        scripts.setdefault(line["connection"], []).append(line)
    kinds = {kind: Kind() for kind in KINDS}
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_connection(url, script, deadline, reply_timeout, kinds) for script in scripts.values()))
    elapsed = time.perf_counter() - started
    by_kind = {}
    for kind, stats in kinds.items():
        latencies = sorted(stats.latencies)
        by_kind[kind] = {
            "requests": len(latencies),
            "rps": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 0.50) * 1e3,
            "p99_ms": percentile(latencies, 0.99) * 1e3,
            "errors": stats.errors,
            "first_errors": stats.first_errors,
        }
    requests = sum(kind["requests"] for kind in by_kind.values())
    return {
        "connections": len(scripts),
        "duration_s": elapsed,
        "requests": requests,
        "rps": requests / elapsed,
        "errors": sum(kind["errors"] for kind in by_kind.values()),
        "kinds": by_kind,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("mix_file", type=Path)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    lines = [json.loads(line) for line in args.mix_file.read_text().splitlines()]
    print(json.dumps(asyncio.run(load(args.url, lines, args.duration, args.timeout))))


# --- the report ------------------------------------------------------------------------------------------


def print_figure(evening: dict[str, Any], workers: int) -> None:
    print(
        f"\nbusy evening: {workers} workers, {evening['connections']} connections, {evening['rps']:.1f} req/s in all, "
        f"{evening['errors']} errors"
    )
    print("{:18} {:>6} {:>9} {:>8} {:>8} {:>7}".format("kind", "share", "req/s", "p50 ms", "p99 ms", "errors"))
    for kind, figure in evening["kinds"].items():
        print(
            f"{kind:18} {KINDS[kind]:5d}% {figure['rps']:9.1f} {figure['p50_ms']:8.2f} {figure['p99_ms']:8.2f} "
            f"{figure['errors']:7d}"
        )


def failure(evening: dict[str, Any]) -> str:
    """Why the evening failed, or "" when every request was answered."""
    if not evening["errors"]:
        return ""
    shown = [f"{kind}: {error}" for kind, figure in evening["kinds"].items() for error in figure["first_errors"]]
    return f"the busy evening had {evening['errors']} errors; the first: " + " | ".join(shown[:5])


if __name__ == "__main__":
    main()
