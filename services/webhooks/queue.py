"""The webhook queue: events fanned out to deliveries, deliveries claimed, tried, retried, failed, replayed.

Both claims take rows under ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL, MariaDB; SQLite has one writer at
a time), so several instances share the work and never take one row twice. Fan-out turns an undispatched event
into one delivery per enabled endpoint subscribed to its type, and marks it dispatched, in one transaction.
A delivery claim moves the row a lease ahead with a compare-and-set on its attempt count: a worker that dies
mid-send leaves it to be taken again when the lease runs out. A delivery is made at least once, and twice only
if a worker dies between the receiver's 2xx and marking the row delivered (the same ``webhook-id`` both times,
so a receiver de-duplicates).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from models.webhook import ERROR_MAX
from services.deadlocks import again_on_deadlock
from services.transactions import after_commit
from services.webhooks import wakeup

PENDING: Final = "pending"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
STATUSES = (PENDING, DELIVERED, FAILED)
RETRY: Final = "retry"  # what became of a failed try that will be tried again

log = logging.getLogger("app.webhooks")

Outcome = Literal["delivered", "retry", "failed"]


def _now() -> datetime:
    return datetime.now(UTC)


def message_id(event_id: int) -> str:
    """The ``webhook-id`` of every delivery of an event, on every try and replay."""
    return f"msg_{event_id}"


# Fan-out


async def dispatch(*, limit: int) -> int:
    """Fan out up to ``limit`` undispatched events, oldest first; how many were taken."""
    return await again_on_deadlock(lambda: _dispatch(limit))


async def _dispatch(limit: int) -> int:
    now = _now()
    async with in_transaction() as connection:
        events = (
            await WebhookEvent.filter(dispatched_at=None)
            .order_by("id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        if not events:
            return 0
        endpoints = await WebhookEndpoint.filter(enabled=True).using_db(connection)
        subscribed = [(endpoint, set(json.loads(endpoint.events))) for endpoint in endpoints]
        deliveries = [
            WebhookDelivery(event_id=event.id, endpoint_id=endpoint.id, next_attempt_at=now, created_at=now)
            for event in events
            for endpoint, types in subscribed
            # An endpoint hears the events after its creation only.
            if event.type in types and endpoint.created_at <= event.created_at
        ]
        if deliveries:
            await WebhookDelivery.bulk_create(deliveries, using_db=connection)
        await WebhookEvent.filter(id__in=[event.id for event in events]).using_db(connection).update(dispatched_at=now)
    return len(events)


# Deliveries


async def claim(*, limit: int, lease_seconds: float) -> list[WebhookDelivery]:
    """Take up to ``limit`` due deliveries to enabled endpoints; each one's ``attempts`` counts this try."""
    return await again_on_deadlock(lambda: _claim(limit, lease_seconds))


async def _claim(limit: int, lease_seconds: float) -> list[WebhookDelivery]:
    now = _now()
    lease = now + timedelta(seconds=lease_seconds)
    claimed: list[WebhookDelivery] = []
    enabled = await WebhookEndpoint.filter(enabled=True).values_list("id", flat=True)
    if not enabled:
        return claimed
    async with in_transaction() as connection:
        due = (
            await WebhookDelivery.filter(status=PENDING, next_attempt_at__lte=now, endpoint_id__in=list(enabled))
            .order_by("next_attempt_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        for delivery in due:
            taken = (
                await WebhookDelivery.filter(id=delivery.id, status=PENDING, attempts=delivery.attempts)
                .using_db(connection)
                .update(attempts=F("attempts") + 1, next_attempt_at=lease, lease_until=lease, last_attempt_at=now)
            )
            if taken:
                delivery.attempts += 1
                delivery.next_attempt_at = delivery.lease_until = lease
                delivery.last_attempt_at = now
                claimed.append(delivery)
    return claimed


def _this_claim(delivery: WebhookDelivery) -> dict[str, object]:
    """The row as this claim left it: a result is written only if no one took it since (its lease ran out)."""
    return {"id": delivery.id, "status": PENDING, "attempts": delivery.attempts}


async def delivered(delivery: WebhookDelivery, *, status_code: int) -> Outcome:
    await again_on_deadlock(
        lambda: WebhookDelivery.filter(**_this_claim(delivery)).update(
            status=DELIVERED,
            delivered_at=_now(),
            last_status_code=status_code,
            last_error=None,
            lease_until=None,
        )
    )
    return DELIVERED


async def try_failed(
    delivery: WebhookDelivery, *, status_code: int | None, error: str, schedule: Sequence[int]
) -> Outcome:
    """Schedule the next try (``schedule[attempts - 1]`` seconds on), or fail the delivery after the last one."""
    error = error[:ERROR_MAX]
    common: dict[str, object] = {"last_status_code": status_code, "last_error": error, "lease_until": None}
    if delivery.attempts > len(schedule):
        await again_on_deadlock(lambda: WebhookDelivery.filter(**_this_claim(delivery)).update(status=FAILED, **common))
        log.error(
            "webhook_failed id=%s event=%s endpoint=%s attempts=%s error=%s",
            delivery.id,
            delivery.event_id,
            delivery.endpoint_id,
            delivery.attempts,
            error,
        )
        return FAILED
    delay = schedule[delivery.attempts - 1]
    retry_at = _now() + timedelta(seconds=delay)
    await again_on_deadlock(
        lambda: WebhookDelivery.filter(**_this_claim(delivery)).update(next_attempt_at=retry_at, **common)
    )
    log.warning(
        "webhook_retry id=%s event=%s endpoint=%s attempts=%s retry_in=%ss error=%s",
        delivery.id,
        delivery.event_id,
        delivery.endpoint_id,
        delivery.attempts,
        delay,
        error,
    )
    return RETRY


async def replay(delivery_id: int) -> WebhookDelivery | None:
    """Make a delivery due now again, with the same ``webhook-id`` and a fresh count of tries; None when
    there is no such delivery. A delivery being tried right now is left to that try."""
    now = _now()
    await WebhookDelivery.filter(id=delivery_id, status__in=[DELIVERED, FAILED]).update(
        status=PENDING, attempts=0, next_attempt_at=now, delivered_at=None, lease_until=None
    )
    await WebhookDelivery.filter(id=delivery_id, status=PENDING, lease_until=None).update(next_attempt_at=now)
    after_commit(wakeup.wake)
    return await WebhookDelivery.filter(id=delivery_id).select_related("event").first()


@dataclass(frozen=True)
class Page:
    deliveries: list[WebhookDelivery]
    has_next: bool


async def page(*, endpoint_id: int | None, status: str | None, first: int, after: int | None) -> Page:
    """Deliveries newest first, each with its event; ``after`` is the id of the last one of the previous page."""
    rows = WebhookDelivery.all()
    if endpoint_id is not None:
        rows = rows.filter(endpoint_id=endpoint_id)
    if status is not None:
        rows = rows.filter(status=status)
    if after is not None:
        rows = rows.filter(id__lt=after)
    found = await rows.order_by("-id").limit(first + 1).select_related("event")
    return Page(found[:first], len(found) > first)


# What an operator watches, and the clean-up


@dataclass(frozen=True)
class Depth:
    """Deliveries still to make (events not fanned out yet included), and how long the oldest has waited."""

    queued: int
    oldest_seconds: float  # 0 when nothing waits


async def depth() -> Depth:
    pending = WebhookDelivery.filter(status=PENDING)
    undispatched = WebhookEvent.filter(dispatched_at=None)
    queued = await pending.count() + await undispatched.count()
    times: list[object] = [
        await pending.order_by("created_at").first().values_list("created_at", flat=True),
        await undispatched.order_by("id").first().values_list("created_at", flat=True),
    ]
    found = [moment for moment in times if isinstance(moment, datetime)]
    oldest = max((_now() - min(found)).total_seconds(), 0.0) if found else 0.0
    return Depth(queued=queued, oldest_seconds=oldest)


async def prune(*, keep_days: int, now: datetime | None = None) -> int:
    """Delete finished deliveries and dispatched events older than ``keep_days`` (an event only once none of
    its deliveries waits); how many rows went."""
    cutoff = (now or _now()) - timedelta(days=keep_days)
    deliveries = await WebhookDelivery.filter(status__in=[DELIVERED, FAILED], created_at__lt=cutoff).delete()
    waiting = WebhookDelivery.all().values("event_id")
    events = await WebhookEvent.filter(dispatched_at__lt=cutoff).exclude(id__in=Subquery(waiting)).delete()
    return deliveries + events
