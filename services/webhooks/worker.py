"""The webhook worker: started in the server's lifespan beside the mail sender, it fans events out and
delivers them, signed to the Standard Webhooks specification.

It wakes when this process commits an event (or an admin replays a delivery) and otherwise looks every
WEBHOOK_POLL_SECONDS, which also picks up other instances' events, retries that fell due, and deliveries a
dead worker left behind. A delivery is a POST with connect and read timeouts, no redirect followed (a 3xx is a
failure), and at most RESPONSE_MAX_BYTES of the answer read; any 2xx is delivered, anything else is retried on
WEBHOOK_RETRY_SECONDS' schedule and then failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from cryptography.fernet import InvalidToken
from prometheus_client import Counter

from models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from services import background
from services.errors import AccountError
from services.webhooks import addresses, endpoints, queue, signing, wakeup
from settings import Settings

BATCH = 20
RESPONSE_MAX_BYTES = 64 * 1024  # of a receiver's answer, read and dropped: only its status matters
STOP_GRACE_SECONDS = 5  # a delivery still running after this is cancelled; its lease brings it back later
USER_AGENT = "user-service-webhooks/1"

log = logging.getLogger("app.webhooks")

# Counted in the process that delivers: the server's /metrics shows its own worker's (summed over workers).
DELIVERIES = Counter(
    "webhook_deliveries_total",
    "webhook delivery tries, by outcome: delivered (a 2xx), retry (failed, tried again later) or failed (the last "
    "try failed: given up)",
    ["outcome"],
)
for _outcome in (queue.DELIVERED, queue.RETRY, queue.FAILED):
    DELIVERIES.labels(_outcome)  # every series exists from the start, at 0


class Failure(Exception):
    """A try that did not deliver: ``status_code`` when the receiver answered."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def body_of(event: WebhookEvent) -> bytes:
    """The JSON every delivery of ``event`` sends: its type, when it happened, and its data."""
    payload = {
        "type": event.type,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": json.loads(event.data),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class Worker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._wake = wakeup.waker()
        self._stopping = False
        self._sending: set[asyncio.Task[None]] = set()
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment between us and the receiver
            timeout=httpx.Timeout(settings.webhook_read_timeout, connect=settings.webhook_connect_timeout, pool=None),
            headers={"user-agent": USER_AGENT},
            # A connection per try: one made for a pinned address and host is never reused for another host.
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    @property
    def lease_seconds(self) -> float:
        """Longer than one try may take (resolving, connecting, waiting for the answer, reading it)."""
        return addresses.RESOLVE_TIMEOUT_SECONDS + self._deadline() + 30

    def _deadline(self) -> float:
        return self.settings.webhook_connect_timeout + 2 * self.settings.webhook_read_timeout

    async def work_due(self) -> int:
        """Fan out one batch of events, then claim due deliveries, as many as there is room for beside the
        tries still running, and start them (each in a task of its own: a slow receiver holds up no other).
        The larger of the two counts."""
        dispatched = await queue.dispatch(limit=BATCH)
        room = BATCH - len(self._sending)
        claimed = await queue.claim(limit=room, lease_seconds=self.lease_seconds) if room > 0 else []
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(delivery), name=f"webhook-delivery-{delivery.id}")
            self._sending.add(task)
            task.add_done_callback(self._sent)
        return max(dispatched, len(claimed))

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._wake.set()  # room for another

    async def settle(self) -> None:
        """Wait for the tries running now."""
        await asyncio.gather(*self._sending, return_exceptions=True)

    async def _deliver(self, delivery: WebhookDelivery) -> None:
        try:
            outcome = await self._try(delivery)
        except Exception:  # the database is away, say: the lease brings the delivery back
            log.exception("webhook_worker_error id=%s", delivery.id)
            return
        if outcome is not None:
            DELIVERIES.labels(outcome).inc()

    async def _try(self, delivery: WebhookDelivery) -> queue.Outcome | None:
        event = await WebhookEvent.get_or_none(id=delivery.event_id)
        endpoint = await WebhookEndpoint.get_or_none(id=delivery.endpoint_id)
        if event is None or endpoint is None:  # deleted meanwhile, and the delivery with it
            return None
        try:
            status_code = await self._post(delivery, event, endpoint)
        except Failure as failure:
            return await queue.try_failed(
                delivery,
                status_code=failure.status_code,
                error=str(failure),
                schedule=self.settings.webhook_retry_seconds,
            )
        return await queue.delivered(delivery, status_code=status_code)

    async def _post(self, delivery: WebhookDelivery, event: WebhookEvent, endpoint: WebhookEndpoint) -> int:
        try:
            addresses.check_url(endpoint.url, self.settings)
            checked = await addresses.check_addresses(endpoint.url, self.settings)
        except addresses.Refused as refused:
            raise Failure(f"refused: {refused}") from None
        target, extensions = endpoint.url, {}
        body = body_of(event)
        message_id = queue.message_id(event.id)
        timestamp = int(time.time())
        try:
            secrets = endpoints.signing_secrets(endpoint, self.settings)
        except (InvalidToken, AccountError):  # TOTP_ENCRYPTION_KEY gone or replaced without the old key after it
            raise Failure("the endpoint's secret cannot be decrypted: TOTP_ENCRYPTION_KEY lacks its key") from None
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signatures(secrets, message_id=message_id, timestamp=timestamp, body=body),
        }
        if checked:  # production: connect to the address just checked, not to what DNS says next
            pin = addresses.pinned(endpoint.url, checked[0])
            target, extensions = pin.target, {"sni_hostname": pin.sni_hostname}
            headers["host"] = pin.host_header
        try:
            async with asyncio.timeout(self._deadline()):
                request = self.client.stream("POST", target, content=body, headers=headers, extensions=extensions)
                async with request as response:
                    await _read_capped(response)
        except TimeoutError:
            raise Failure("timed out: no complete answer in time") from None
        except httpx.TimeoutException as exc:
            raise Failure(f"timed out: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            raise Failure(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            kind = " (redirects are not followed)" if 300 <= response.status_code < 400 else ""
            raise Failure(f"HTTP {response.status_code}{kind}", status_code=response.status_code)
        return response.status_code

    async def run(self) -> None:
        try:
            await background.poll(
                due=self.work_due,
                batch=BATCH,
                wake=self._wake,
                poll_seconds=self.settings.webhook_poll_seconds,
                stopping=lambda: self._stopping,
                error="webhook_worker_error",
                logger=log,
            )
        finally:
            wakeup.forget(self._wake)
            try:
                await self.settle()  # cancelled with this task after STOP_GRACE_SECONDS: leases bring them back
            finally:
                await self.client.aclose()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


async def _read_capped(response: httpx.Response) -> None:
    """Read at most RESPONSE_MAX_BYTES of the answer, then stop (closing the stream drops the rest)."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read >= RESPONSE_MAX_BYTES:
            break


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Worker]:
    """A worker running in this event loop for the duration of the block, stopped cleanly after it."""
    late = "webhook_worker_stopped_mid_delivery"
    async with background.running(
        Worker(settings), name="webhook-worker", grace=STOP_GRACE_SECONDS, late=late, logger=log
    ) as worker:
        yield worker
