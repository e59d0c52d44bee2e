"""Whose X-Forwarded-For is believed: TRUSTED_PROXIES alone decides, however the server is started.

uvicorn has proxy-header handling of its own, on by default and trusting 127.0.0.1, which rewrites the
client address before the app sees it. These tests start real servers on loopback and send
``X-Forwarded-For`` from 127.0.0.1. The address shows twice: in the throttle (with LOGIN_MAX_FAILURES=1,
one failed login from an address refuses that address's next login) and in the security log.
"""

from __future__ import annotations

import os
import re
import shlex
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import LOGIN, PASSWORD, REGISTER
from tests.support.servers import ROOT, Server, running_server

pytestmark = pytest.mark.servers

FORWARDED = "203.0.113.9"
LOOPBACK = "127.0.0.1"


def readme_uvicorn_command() -> list[str]:
    """README's ``uvicorn main:app ...`` line, as ``python -m uvicorn`` arguments on this test's port."""
    found = re.search(r"^uvicorn main:app .*$", (ROOT / "README.md").read_text(), flags=re.MULTILINE)
    assert found is not None, "README's Deploying section shows no `uvicorn main:app` command"
    words = shlex.split(found.group(0))
    for option, value in (("--host", LOOPBACK), ("--port", "{port}")):
        words[words.index(option) + 1] = value
    return ["-m", *words]


def _two_workers() -> dict[str, str]:
    # Each worker counts in its own memory unless Redis is shared; README asks for REDIS_URL with WORKERS > 1.
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("two workers share throttle counts through Redis: set TEST_REDIS_URL (.ci/run does)")
    return {"WORKERS": "2", "REDIS_URL": os.environ["TEST_REDIS_URL"], "REDIS_PREFIX": f"test-{uuid.uuid4().hex}:"}


LAUNCHERS = ["python main.py", "python main.py, WORKERS=2", "uvicorn main:app (README)"]


@contextmanager
def launched(tmp_path: Path, launcher: str, **environ: str) -> Iterator[Server]:
    args = readme_uvicorn_command() if launcher.startswith("uvicorn") else ["main.py"]
    extra = _two_workers() if "WORKERS=2" in launcher else {}
    with running_server(tmp_path, args, LOGIN_MAX_FAILURES="1", **extra, **environ) as server:
        yield server


def _post(server: Server, query: str, variables: dict[str, Any], forwarded_for: str | None = None) -> dict[str, Any]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = httpx.post(server.graphql_url, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _register(server: Server) -> None:
    body = _post(server, REGISTER, {"input": {"userName": "ada", "password": PASSWORD}})
    assert body.get("data") and body["data"]["register"], body


def _login(server: Server, password: str, forwarded_for: str | None = None) -> str:
    """``OK`` or the error code of a login as ada."""
    body = _post(server, LOGIN, {"userName": "ada", "password": password}, forwarded_for)
    return str(body["errors"][0]["extensions"]["code"]) if body.get("errors") else "OK"


def _security_events(log: str) -> list[tuple[str, str]]:
    """(event, address) of every line of the app.security logger."""
    return re.findall(r"app\.security: event=(\S+) .*?address=(\S+)", log)


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_x_forwarded_for_from_loopback_is_ignored_without_trusted_proxies(tmp_path: Path, launcher: str) -> None:
    with launched(tmp_path, launcher) as server:
        _register(server)
        failed = _login(server, "wrong-password-1", forwarded_for=FORWARDED)
        direct = _login(server, PASSWORD)  # the same client, no header

    assert failed == "UNAUTHENTICATED"
    assert direct == "TOO_MANY_REQUESTS", "the failure must count against the socket peer, 127.0.0.1"
    events = _security_events(server.output())
    assert ("login_failed", LOOPBACK) in events, server.output()
    assert {address for _, address in events} == {LOOPBACK}, events
    assert "uvicorn.access" not in server.output(), "one line per request, the app's own"


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_x_forwarded_for_is_believed_from_a_trusted_proxy(tmp_path: Path, launcher: str) -> None:
    with launched(tmp_path, launcher, TRUSTED_PROXIES=LOOPBACK) as server:
        _register(server)
        failed = _login(server, "wrong-password-1", forwarded_for=FORWARDED)
        direct = _login(server, PASSWORD)  # the proxy's own address: another client
        forwarded_again = _login(server, PASSWORD, forwarded_for=FORWARDED)

    assert (failed, direct, forwarded_again) == ("UNAUTHENTICATED", "OK", "TOO_MANY_REQUESTS")
    events = _security_events(server.output())
    assert ("login_failed", FORWARDED) in events, server.output()
    assert ("login_failed", LOOPBACK) not in events, events
