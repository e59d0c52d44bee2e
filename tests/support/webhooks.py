"""A webhook receiver: a real HTTP/1.1 server on a loopback port in the test's event loop, which answers each
request as the test tells it (fail, redirect, answer slowly, answer a lot) and keeps every request it got.
And an API whose webhook worker runs as in production (services/webhooks/worker.py), with a short schedule."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from main import create_app
from services.accounts import registration
from services.webhooks import worker
from settings import Settings
from tests.support import Account, Api, replace
from tests.support.servers import free_port

WAIT_SECONDS = 30  # a guard against a delivery that never comes, not a measurement

CREATE = """
mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url events enabled description createdAt } }
}"""

DELIVERIES = """
query Deliveries($endpointId: ID, $status: WebhookDeliveryStatus, $first: Int! = 20, $after: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after) {
    edges { cursor node { id webhookId endpointId eventType status attempts lastAttemptAt lastStatusCode lastError
      nextAttemptAt deliveredAt createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass
class Reply:
    status: int = 204
    body: bytes = b""
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> Any:
        """The payload, verified with the standardwebhooks library as a receiver would (raises if it is not)."""
        return Webhook(secret).verify(self.body, self.headers)


class Receiver:
    """Answers the n-th request (0-based) with ``reply(n)``; 204 by default."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.reply: Callable[[int], Reply] = lambda n: Reply()
        self.bytes_sent: list[int] = []  # per answer, what got out before the client hung up
        self._arrived = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._serving: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stop listening, and hang up on the requests still being answered (a slow answer's, say)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._serving):
            task.cancel()
        await asyncio.gather(*self._serving, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._serving.add(task)
        try:
            await self._answer(reader, writer)
        finally:
            writer.close()
            self._serving.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1]
            headers = {}
            for line in head[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            number = len(self.received)
            self.received.append(Received(path, headers, body))
            self._arrived.set()
            reply = self.reply(number)
            if reply.delay:
                await asyncio.sleep(reply.delay)
            extra = "".join(f"{name}: {value}\r\n" for name, value in reply.headers.items())
            writer.write(
                f"HTTP/1.1 {reply.status} X\r\ncontent-length: {len(reply.body)}\r\n{extra}"
                "connection: close\r\n\r\n".encode()
            )
            sent = 0
            self.bytes_sent.append(0)
            for start in range(0, len(reply.body), 65536):
                writer.write(reply.body[start : start + 65536])
                await writer.drain()
                sent += len(reply.body[start : start + 65536])
                self.bytes_sent[-1] = sent
            await writer.drain()

    async def wait_for(self, count: int, *, seconds: float = WAIT_SECONDS) -> list[Received]:
        """The first ``count`` requests, once they came (within ``seconds``)."""
        async with asyncio.timeout(seconds):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received[:count]


@dataclass
class Hooks:
    api: Api
    receiver: Receiver
    settings: Settings
    admin: Account

    async def create(self, events: list[str], url: str | None = None, **fields: Any) -> tuple[str, str]:
        """A new endpoint (the receiver's, unless ``url``): its id and secret."""
        variables = {"input": {"url": url or self.receiver.url, "events": events, **fields}}
        result = await self.api.execute(CREATE, variables, token=self.admin.token)
        assert not result.errors, result.body
        created = result.data["createWebhookEndpoint"]
        return created["endpoint"]["id"], created["secret"]

    async def deliveries(self, **variables: Any) -> list[dict[str, Any]]:
        result = await self.api.execute(DELIVERIES, variables, token=self.admin.token)
        assert not result.errors, result.body
        return [edge["node"] for edge in result.data["webhookDeliveries"]["edges"]]


def webhook_settings(settings: Settings, **overrides: Any) -> Settings:
    changes: dict[str, Any] = {
        "webhook_retry_seconds": (0, 0, 0),
        "webhook_poll_seconds": 1,
        "webhook_connect_timeout": 2.0,
        "webhook_read_timeout": 2.0,
    }
    return replace(settings, **{**changes, **overrides})


@asynccontextmanager
async def hooks_for(db: str, settings: Settings, *, start: bool = True, **overrides: Any) -> AsyncIterator[Hooks]:
    """An API over HTTP with an admin ("root"), whose webhook worker runs, and a Receiver (started)."""
    receiver = Receiver()
    await receiver.start()
    configured = webhook_settings(settings, **overrides)
    app = create_app(configured)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            api = Api(client, backend=db)
            admin = await api.register("root")
            await registration.grant_admin("root")
            if start:
                async with worker.running(configured):
                    yield Hooks(api, receiver, configured, admin)
            else:
                yield Hooks(api, receiver, configured, admin)
    finally:
        await receiver.stop()
