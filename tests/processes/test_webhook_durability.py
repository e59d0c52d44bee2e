"""Webhooks survive the server and are shared by instances: a server killed (SIGKILL) after a registration
committed and before its webhook went out delivers it after a restart; two instances on one PostgreSQL
database deliver each of many events exactly once. Every delivery is verified with the standardwebhooks library."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.support import Api
from tests.support.servers import Server, postgres_database, run_main, server_environ
from tests.support.webhooks import CREATE, Receiver

QUIET_SECONDS = 3  # longer than the servers' poll and retry waits: what has not come by then will not
EVENTS = 30


def _environ(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    # Development: the receiver is plain http on loopback, which production refuses.
    return server_environ(
        database_url,
        data_dir,
        APP_ENV="development",
        TOTP_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        WEBHOOK_RETRY_SECONDS=" ".join(["1"] * 20),
        WEBHOOK_POLL_SECONDS="1",
        WEBHOOK_CONNECT_TIMEOUT="1",
        WEBHOOK_READ_TIMEOUT="1",
        REGISTER_MAX_PER_ADDRESS="1000",
        **extra,
    )


LEASE_SECONDS = 5 + 1 + 2 * 1 + 30  # services/webhooks/worker.py's lease with the timeouts above


async def _endpoint(server: Server, environ: dict[str, str], url: str) -> str:
    """Register root, make it an admin (the CLI), create an endpoint for user.created: its secret."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        api = Api(client, backend="")
        root = await api.register("root")
        promoted = await asyncio.to_thread(run_main, environ, "create-admin", "root")
        assert promoted.returncode == 0, promoted.stderr
        created = await api.execute(CREATE, {"input": {"url": url, "events": ["user.created"]}}, token=root.token)
    assert not created.errors, created.body
    return str(created.data["createWebhookEndpoint"]["secret"])


@pytest.mark.servers
async def test_a_server_killed_before_delivering_delivers_after_restart(tmp_path: Path) -> None:
    receiver = Receiver()  # not listening yet: the first server cannot deliver
    environ = _environ(f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path)
    assert run_main(environ, "migrate").returncode == 0
    first = Server(environ, tmp_path / "first.log")
    first.start()
    await first.wait_ready()
    secret = await _endpoint(first, environ, receiver.url)
    async with httpx.AsyncClient(base_url=first.url) as client:
        await Api(client, backend="").register("ann")  # committed with its event
    first.signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL

    await receiver.start()
    second = Server(environ, tmp_path / "second.log")
    second.start()
    try:
        await second.wait_ready()
        # The first server may have died mid-try, holding the delivery's lease (resolve + connect + 2 reads + 30 s
        # = 38 s with these timeouts): the second takes it when the lease runs out.
        [received] = await receiver.wait_for(1, seconds=LEASE_SECONDS + 30)
        await asyncio.sleep(QUIET_SECONDS)
    finally:
        second.stop()
        await receiver.stop()

    payload = received.verified(secret)
    assert (payload["type"], payload["data"]["user"]["userName"]) == ("user.created", "ann"), second.output()
    assert len(receiver.received) == 1


@pytest.fixture
def shared_database() -> Iterator[str]:
    with postgres_database("two instances share a PostgreSQL database") as url:
        yield url


@pytest.mark.multi
async def test_two_instances_deliver_each_event_exactly_once(shared_database: str, tmp_path: Path) -> None:
    receiver = Receiver()
    await receiver.start()
    environ = _environ(shared_database, tmp_path)
    assert run_main(environ, "migrate").returncode == 0
    servers = (Server(environ, tmp_path / "a.log"), Server(environ, tmp_path / "b.log"))
    try:
        for server in servers:
            server.start()
        await asyncio.gather(*(server.wait_ready() for server in servers))
        secret = await _endpoint(servers[0], environ, receiver.url)
        async with (
            httpx.AsyncClient(base_url=servers[0].url) as a,
            httpx.AsyncClient(base_url=servers[1].url) as b,
        ):
            apis = (Api(a, backend="postgres"), Api(b, backend="postgres"))
            await asyncio.gather(*(apis[n % 2].register(f"user{n}") for n in range(EVENTS)))
        received = await receiver.wait_for(EVENTS)
        await asyncio.sleep(QUIET_SECONDS)
    finally:
        for server in servers:
            server.stop()
        await receiver.stop()

    names = sorted(r.verified(secret)["data"]["user"]["userName"] for r in received)
    assert names == sorted(f"user{n}" for n in range(EVENTS))
    assert len(receiver.received) == EVENTS
    assert len({r.headers["webhook-id"] for r in receiver.received}) == EVENTS
