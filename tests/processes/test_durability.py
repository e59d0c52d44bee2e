"""A server killed mid-burst loses nothing it confirmed and leaves nothing half-written;
a server told to stop (SIGTERM) finishes the requests it is serving."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import PASSWORD, REGISTER, USER, Api
from tests.support.servers import Server, postgres_database, run_main, server_environ

pytestmark = pytest.mark.servers

BURST = 60
KILL_AFTER = 10  # confirmed registrations before the SIGKILL
IN_FLIGHT = 8


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database in a file (SQLite) or on the TEST_POSTGRES_URL server."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'users.sqlite3'}"
        return
    with postgres_database("the PostgreSQL case needs a server") as url:
        yield url


async def _burst(server: Server, names: list[str]) -> tuple[list[str], int]:
    """Register every name, at most IN_FLIGHT at once; SIGKILL the server after KILL_AFTER successes.

    Returns the names whose registration was answered with success, and how many calls failed.
    """
    confirmed: list[str] = []
    failed = 0
    gate = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(base_url=server.url) as client:
        api = Api(client, backend="")

        async def register(name: str) -> None:
            nonlocal failed
            async with gate:
                try:
                    result = await api.execute(REGISTER, {"input": {"userName": name, "password": PASSWORD}})
                except httpx.TransportError:
                    failed += 1
                    return
            assert not result.errors, result.body
            confirmed.append(name)
            if len(confirmed) == KILL_AFTER:
                server.signal(signal.SIGKILL)

        await asyncio.gather(*(register(name) for name in names))
    return confirmed, failed


async def test_sigkill_mid_burst_keeps_every_confirmed_registration_whole(database_url: str, tmp_path: Path) -> None:
    environ = server_environ(database_url, tmp_path)
    assert run_main(environ, "migrate").returncode == 0
    first = Server(environ, tmp_path / "first.log")
    first.start()
    await first.wait_ready()
    names = [f"burst{i}" for i in range(BURST)]

    confirmed, failed = await _burst(first, names)

    assert first.wait() == -signal.SIGKILL
    assert len(confirmed) >= KILL_AFTER and failed > 0  # the kill landed inside the burst
    second = Server(environ, tmp_path / "second.log")
    second.start()
    try:
        await second.wait_ready()
        async with httpx.AsyncClient(base_url=second.url) as client:
            api = Api(client, backend="")
            inspector = await api.register("inspector")
            found = {}
            for name in names:
                result = await api.execute(USER, {"userName": name}, token=inspector.token)
                assert not result.errors, (name, result.body)  # a user without a profile cannot be read
                found[name] = result.data["user"]
    finally:
        second.stop()

    present = {name for name, user in found.items() if user is not None}
    assert set(confirmed) <= present
    assert all(found[name]["profile"] is not None for name in present)


async def test_sigterm_lets_an_in_flight_request_finish(tmp_path: Path) -> None:
    environ = server_environ(f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path, BCRYPT_ROUNDS="14")
    assert run_main(environ, "migrate").returncode == 0
    server = Server(environ, tmp_path / "server.log")
    server.start()
    try:
        await server.wait_ready()
        # A registration whose password hash takes a while; its bytes are on the wire before anything else.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        body = json.dumps({"query": REGISTER, "variables": {"input": {"userName": "late", "password": PASSWORD}}})
        writer.write(
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}".encode()
        )
        await writer.drain()
        # The server answers a later connection only after reading the earlier one: the registration is in flight.
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/healthz")).status_code == 200

        server.signal(signal.SIGTERM)
        raw = await reader.read()
        writer.close()
        exit_code = server.wait()
    finally:
        server.stop()

    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), raw
    assert json.loads(payload)["data"]["register"]["user"]["userName"] == "late"
    log = server.output()
    assert log.index("Shutting down") < log.index("POST /graphql Register 200"), log  # our access log line
    # uvicorn shuts down in order, then re-raises the signal so a supervisor sees why it stopped.
    assert "Application shutdown complete" in log
    assert exit_code == -signal.SIGTERM


async def test_workers_share_one_migrated_database_and_one_secret(tmp_path: Path) -> None:
    # Development on a fresh clone: no secret, no tables; the parent migrates once before forking.
    environ = server_environ(
        f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path, APP_ENV="development", JWT_SECRET="", WORKERS="2"
    )
    server = Server(environ, tmp_path / "server.log")
    server.start()
    try:
        await server.wait_ready()
        tokens = []
        for i in range(6):  # a new connection each time, so the kernel spreads them over the workers
            async with httpx.AsyncClient(base_url=server.url) as client:
                tokens.append((await Api(client, backend="").register(f"worker{i}")).token)
        answers = []
        for token in tokens:
            async with httpx.AsyncClient(base_url=server.url) as client:
                answers.append((await Api(client, backend="").me(token)).data["me"]["userName"])
    finally:
        server.stop()

    assert answers == [f"worker{i}" for i in range(6)]
    assert server.output().count("Started server process") == 2
    assert server.output().count("Application startup complete") == 2
