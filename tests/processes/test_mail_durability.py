"""Mail survives the server: a server killed (SIGKILL) after the change and before the mail went out
sends it after a restart; ``python main.py outbox`` shows what waits, without tokens."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import Api
from tests.support.mail import MailSink, token_in
from tests.support.servers import Server, postgres_database, run_main, server_environ

pytestmark = pytest.mark.servers

VERIFY_EMAIL = "mutation Verify($token: String!) { verifyEmail(token: $token) { emailVerified } }"
ANN = "ann@example.com"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'users.sqlite3'}"
        return
    with postgres_database("the PostgreSQL case needs a server") as url:
        yield url


async def _outbox(environ: dict[str, str]) -> str:
    listed = await asyncio.to_thread(run_main, environ, "outbox")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout


async def test_a_server_killed_before_sending_sends_after_restart(database_url: str, tmp_path: Path) -> None:
    sink = MailSink()  # not listening yet: the first server cannot send
    environ = server_environ(
        database_url, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{sink.port}", MAIL_RETRY_SECONDS="1", MAIL_POLL_SECONDS="1"
    )
    assert run_main(environ, "migrate").returncode == 0
    first = Server(environ, tmp_path / "first.log")
    first.start()
    await first.wait_ready()
    async with httpx.AsyncClient(base_url=first.url) as client:
        await Api(client, backend="").register("ann", email=ANN)
    waiting = await _outbox(environ)
    first.signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL

    await sink.start()
    second = Server(environ, tmp_path / "second.log")
    second.start()
    try:
        await second.wait_ready()
        [message] = await sink.wait_for(ANN, "confirm")
        async with httpx.AsyncClient(base_url=second.url) as client:
            verified = await Api(client, backend="").execute(VERIFY_EMAIL, {"token": token_in(message)})
        after = await _outbox(environ)
        if after.strip() != "no pending or failed mails":  # the row is marked after the server's answer
            after = await _outbox(environ)
    finally:
        second.stop()
        await sink.stop()

    assert "\tpending\t" in waiting and f"\tverify_email\t{ANN}\t" in waiting, waiting
    assert token_in(message) not in waiting and "token=" not in waiting
    assert verified.data == {"verifyEmail": {"emailVerified": True}}, second.output()
    assert after.strip() == "no pending or failed mails"


def test_production_without_smtp_url_refuses_to_start(tmp_path: Path) -> None:
    environ = server_environ(f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path, SMTP_URL="")
    assert run_main(environ, "migrate").returncode == 0

    refused = run_main(environ)

    assert refused.returncode == 2
    assert "SMTP_URL is not set" in refused.stderr
    assert "Traceback" not in refused.stderr
