"""Real ``python main.py`` processes on loopback ports, and fresh PostgreSQL databases for them."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
SUITE_PORTS = range(20000, 24000)  # this suite's share of loopback ports, below Linux's ephemeral 32768-60999


def _worker_ports() -> range:
    """This process's slice of SUITE_PORTS: under pytest-xdist (``make test-fast``) each worker probes ports of
    its own, so two workers never hand out the same one."""
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    share = len(SUITE_PORTS) // workers
    return SUITE_PORTS[index * share : (index + 1) * share]


PORTS = _worker_ports()
START_TIMEOUT = 60  # seconds: a guard against a hung start, not a measurement


_handed_out: set[int] = set()


def free_port(count: int = 1) -> int:
    """A port nothing listens on and this process has not handed out before; with ``count``, the first of
    that many such ports in a row (``bench/run.py --port`` takes four)."""
    # Start at a random place, so suites running side by side on one machine rarely probe the same port.
    start = secrets.randbelow(len(PORTS) - count + 1)
    for first in [*PORTS[start:], *PORTS[:start]]:
        ports = range(first, first + count)
        if ports[-1] in PORTS and all(_free(port) for port in ports):
            _handed_out.update(ports)
            return first
    raise RuntimeError(f"no {count} free port(s) in a row in {PORTS}")


def _free(port: int) -> bool:
    if port in _handed_out:
        return False
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_environ(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "APP_ENV": "production",
        "JWT_SECRET": TEST_SECRET,
        # Production with EdDSA (the default) needs a signing key made by `keys generate` first: the tests of
        # signing keys pass JWT_ALGORITHM and make one (tests/processes/test_keys_*.py); the others sign with
        # the secret, one process fewer each.
        "JWT_ALGORITHM": "HS256",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "BCRYPT_ROUNDS": "4",
        "HOST": "127.0.0.1",
        # Production needs a mail server; nothing listens on the discard port, so mail waits in the outbox.
        "SMTP_URL": "smtp://127.0.0.1:9",
        **extra,
    }


def run_main(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "main.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


class Server:
    """One server process; its output goes to a log file that failing assertions can show.

    ``args`` follow the interpreter (``python main.py`` by default); ``{port}`` in them becomes the port.
    """

    def __init__(self, environ: dict[str, str], log: Path, args: Sequence[str] = ("main.py",)) -> None:
        self.port = free_port()
        self.environ = {**environ, "PORT": str(self.port)}
        self.args = [arg.replace("{port}", str(self.port)) for arg in args]
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, our own arguments
                [sys.executable, *self.args], cwd=ROOT, env=self.environ, stdout=out, stderr=subprocess.STDOUT
            )

    async def wait_ready(self) -> None:
        await asyncio.to_thread(self.wait_ready_blocking)

    def wait_ready_blocking(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server on {self.url} did not become ready:\n{self.output()}")

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self) -> int:
        assert self.process is not None
        return self.process.wait(timeout=START_TIMEOUT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def running_server(tmp_path: Path, args: Sequence[str] = ("main.py",), **environ: str) -> Iterator[Server]:
    """``python main.py`` (or ``python *args``) in development on SQLite under ``tmp_path``, ready, stopped
    afterwards."""
    env = {
        "PATH": os.environ["PATH"],
        "APP_ENV": "development",
        "HOST": "127.0.0.1",
        "DATA_DIR": str(tmp_path / "data"),
        "JWT_SECRET": TEST_SECRET,
        "BCRYPT_ROUNDS": "4",
        **environ,
    }
    server = Server(env, tmp_path / "server.log", args)
    server.start()
    try:
        server.wait_ready_blocking()  # no asyncio here: a browser driver may own this thread's loop
        yield server
    finally:
        server.stop()


class PostgresDatabase:
    """A database of its own on the TEST_POSTGRES_URL server, dropped at the end."""

    def __init__(self, server_url: str) -> None:
        self.name = f"test_servers_{secrets.token_hex(6)}"
        self.server = urlsplit(server_url)
        self.url = urlunsplit(self.server._replace(path=f"/{self.name}"))

    def _admin(self, statement: str) -> None:
        import asyncpg

        async def run() -> None:
            conn = await asyncpg.connect(urlunsplit(self.server._replace(scheme="postgresql", path="/postgres")))
            try:
                await conn.execute(statement)
            finally:
                await conn.close()

        asyncio.run(run())

    def create(self) -> None:
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextmanager
def postgres_database(why: str) -> Iterator[str]:
    """The URL of a new database on the TEST_POSTGRES_URL server, dropped afterwards; skipped without one."""
    server_url = os.environ.get("TEST_POSTGRES_URL")
    if not server_url:
        pytest.skip(f"{why}: set TEST_POSTGRES_URL (.ci/run does)")
    database = PostgresDatabase(server_url)
    database.create()
    try:
        yield database.url
    finally:
        database.drop()
