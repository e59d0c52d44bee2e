"""``python main.py`` as a real process on a loopback port, for tests a browser or a client drives."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(9600, 9700)  # the loopback ports this project's tests may use
SECRET = "test-only-secret-never-used-outside-the-test-suite"


@dataclass
class Server:
    url: str
    log_file: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def log(self) -> str:
        return self.log_file.read_text()


def _free_port() -> int:
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@contextmanager
def running_server(tmp_path: Path, **environ: str) -> Iterator[Server]:
    """Start ``python main.py`` (SQLite in ``tmp_path``), wait until /healthz answers, stop it afterwards."""
    log_file = tmp_path / "server.log"
    for _attempt in range(3):  # another process may take the port between the probe and the bind
        port = _free_port()
        env = {
            "PATH": os.environ["PATH"],
            "APP_ENV": "development",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATA_DIR": str(tmp_path / "data"),
            "JWT_SECRET": SECRET,
            "BCRYPT_ROUNDS": "4",
            **environ,
        }
        with log_file.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "main.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            server = Server(url=f"http://127.0.0.1:{port}", log_file=log_file)
            if _wait_until_up(server, process):
                yield server
                return
        finally:
            process.terminate()
            process.wait(timeout=15)
    raise RuntimeError(f"the server did not start:\n{log_file.read_text()}")


def _wait_until_up(server: Server, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within 30 s:\n{server.log()}")
