"""A real SMTP server (aiosmtpd) in the test process, and an API whose mail goes to it.

The server runs in the test's event loop on a loopback port; it can be stopped and started again on
the same port to play an SMTP outage. The app's sender runs as in production (services.mail.sender).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette

from main import create_app
from models import OutboxMail
from services.mail import sender
from settings import Settings
from tests.support import Api, replace
from tests.support.servers import free_port

WAIT_SECONDS = 30  # a guard against a mail that never comes, not a measurement
TOKEN = re.compile(r"token=([A-Za-z0-9_-]+)")


class MailSink:
    """An SMTP server that keeps every mail it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[EmailMessage] = []
        self._arrived = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="mail.test", loop=loop), "127.0.0.1", self.port
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self._arrived.set()
        return "250 OK"

    def to(self, address: str, subject: str | None = None) -> list[EmailMessage]:
        return [
            m
            for m in self.received
            if m["To"] == address and (subject is None or subject.lower() in str(m["Subject"]).lower())
        ]

    async def wait_for(self, address: str, subject: str | None = None, count: int = 1) -> list[EmailMessage]:
        """The first ``count`` mails to ``address`` (whose subject contains ``subject``), once they arrived."""
        async with asyncio.timeout(WAIT_SECONDS):
            while len(found := self.to(address, subject)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return found[:count]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def token_in(message: EmailMessage) -> str:
    """The token of the mail's link."""
    found = TOKEN.search(text_of(message))
    assert found is not None, text_of(message)
    return found.group(1)


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``condition()`` holds: a state in the database, which no event announces."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def outbox_drained() -> None:
    """Wait until no mail is waiting to be sent (so a mail that has not come will not come)."""

    async def drained() -> bool:
        return not await OutboxMail.filter(status="pending").exists()

    await until(drained)


@dataclass
class Mailer:
    api: Api
    sink: MailSink
    settings: Settings
    app: Starlette

    @asynccontextmanager
    async def api_from(self, address: str) -> AsyncIterator[Api]:
        """A client of the same app seen from another address."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, backend=self.api.backend)


def mail_settings(settings: Settings, sink: MailSink, **overrides: Any) -> Settings:
    return replace(
        settings,
        smtp_url=f"smtp://127.0.0.1:{sink.port}",
        mail_retry_seconds=1,
        mail_poll_seconds=1,
        **overrides,
    )


@asynccontextmanager
async def mailer_for(db: str, settings: Settings, **overrides: Any) -> AsyncIterator[Mailer]:
    """An API over HTTP whose sender mails to a fresh MailSink (started), with ``overrides`` to settings."""
    sink = MailSink()
    await sink.start()
    configured = mail_settings(settings, sink, **overrides)
    app = create_app(configured)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            sender.running(configured),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            yield Mailer(Api(client, backend=db), sink, configured, app)
    finally:
        await sink.stop()
