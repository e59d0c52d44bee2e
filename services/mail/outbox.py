"""The outbox: mails written in the transaction of the change that causes them, claimed and sent later.

A claim takes due rows under ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL, MariaDB; SQLite has one
writer at a time) and moves each a lease ahead with a compare-and-set on its attempt count, so two
senders never take one mail. A sender that dies mid-send leaves the mail to be taken again when the
lease runs out; a mail is sent at least once, and only twice if a sender dies between the server's
"250 OK" and marking the row sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar

from tortoise.expressions import F, RawSQL
from tortoise.functions import Min
from tortoise.queryset import ValuesQuery
from tortoise.transactions import in_transaction

from models import OutboxMail
from services.deadlocks import again_on_deadlock
from services.transactions import after_commit

PENDING, SENT, FAILED = "pending", "sent", "failed"
RETRY, GAVE_UP = "retry", "gave_up"  # what became of a failed try
LEASE_SECONDS = 120  # longer than one SMTP conversation may take (transport.TIMEOUT)
MAX_RETRY_SECONDS = 3600
ERROR_MAX = 500

log = logging.getLogger("app.mail")

T = TypeVar("T")

_wakers: set[asyncio.Event] = set()


def _now() -> datetime:
    return datetime.now(UTC)


async def enqueue(*, template: str, to: str, data: Mapping[str, object]) -> None:
    """Write a mail to send, inside the ``services.transactions.transaction()`` of the change that causes it.

    This process's sender is woken once that transaction commits (it would not see the row before), and
    not at all if it rolls back; outside a transaction, at once.
    """
    await OutboxMail.create(template=template, recipient=to, data=json.dumps(dict(data)), next_attempt_at=_now())
    after_commit(wake)


def wake() -> None:
    """Tell this process's sender that mail is waiting (others find it on their next look)."""
    for event in _wakers:
        event.set()


def waker() -> asyncio.Event:
    event = asyncio.Event()
    _wakers.add(event)
    return event


def forget(event: asyncio.Event) -> None:
    _wakers.discard(event)


async def claim(*, limit: int) -> list[OutboxMail]:
    """Take up to ``limit`` due mails for this sender; each one's ``attempts`` counts this try."""
    return await again_on_deadlock(lambda: _claim(limit))


async def _claim(limit: int) -> list[OutboxMail]:
    now = _now()
    lease = now + timedelta(seconds=LEASE_SECONDS)
    claimed: list[OutboxMail] = []
    async with in_transaction() as connection:
        due = (
            await OutboxMail.filter(status=PENDING, next_attempt_at__lte=now)
            .order_by("id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        for mail in due:
            taken = (
                await OutboxMail.filter(id=mail.id, status=PENDING, attempts=mail.attempts)
                .using_db(connection)
                .update(attempts=F("attempts") + 1, next_attempt_at=lease)
            )
            if taken:
                mail.attempts += 1
                claimed.append(mail)
    return claimed


async def resolved(row: OutboxMail) -> bool:
    """Mark a claimed row that stood for a decision (not a mail) done, inside the caller's transaction:
    its data and recipient are erased. False, changing nothing, if the row is no longer this claim's
    (its lease ran out and another sender took it)."""
    done = await OutboxMail.filter(id=row.id, status=PENDING, attempts=row.attempts).update(
        status=SENT, sent_at=_now(), data="{}", recipient="", last_error=None
    )
    return bool(done)


async def sent(mail: OutboxMail) -> None:
    # The data (links with tokens) is no longer needed once the mail is out.
    await again_on_deadlock(
        lambda: OutboxMail.filter(id=mail.id).update(status=SENT, sent_at=_now(), data="{}", last_error=None)
    )


async def failed(mail: OutboxMail, error: str, *, max_attempts: int, retry_seconds: int) -> str:
    """Schedule a retry with exponential backoff, or give up after ``max_attempts`` tries: RETRY or GAVE_UP."""
    error = error[:ERROR_MAX]
    if mail.attempts >= max_attempts:
        await again_on_deadlock(
            lambda: OutboxMail.filter(id=mail.id).update(status=FAILED, data="{}", last_error=error)
        )
        log.error("mail_given_up id=%s template=%s attempts=%s error=%s", mail.id, mail.template, mail.attempts, error)
        return GAVE_UP
    delay = min(retry_seconds * 2 ** (mail.attempts - 1), MAX_RETRY_SECONDS)
    retry_at = _now() + timedelta(seconds=delay)
    await again_on_deadlock(lambda: OutboxMail.filter(id=mail.id).update(next_attempt_at=retry_at, last_error=error))
    log.warning(
        "mail_retry id=%s template=%s attempts=%s retry_in=%ss error=%s",
        mail.id,
        mail.template,
        mail.attempts,
        delay,
        error,
    )
    return RETRY


@dataclass(frozen=True)
class Depth:
    """What an operator watches: mails waiting (retries included), mails given up on, the oldest wait."""

    pending: int
    failed: int
    oldest_pending_seconds: float  # 0 when nothing waits


def depth_query() -> ValuesQuery[Literal[False]]:
    """Per status, pending and failed: how many, and the oldest. Sent mails, the bulk of the table, are not
    read: the (status, created_at) index answers it alone (tests/graphql/test_outbox_plan.py)."""
    return (
        OutboxMail.filter(status__in=[PENDING, FAILED])
        .group_by("status")
        .annotate(count=RawSQL("COUNT(*)"), oldest=Min("created_at"))  # COUNT(id) would read the rows
        .values("status", "count", "oldest")
    )


async def depth() -> Depth:
    rows = await depth_query()
    counts = {row["status"]: int(row["count"]) for row in rows}
    oldest: datetime | None = next((row["oldest"] for row in rows if row["status"] == PENDING), None)
    age = max((_now() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return Depth(pending=counts.get(PENDING, 0), failed=counts.get(FAILED, 0), oldest_pending_seconds=age)


@dataclass(frozen=True)
class Listed:
    """A mail as ``python main.py outbox`` shows it: never its data (links carry tokens)."""

    id: int
    template: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None


async def unsent() -> list[Listed]:
    """Pending and failed mails, oldest first."""
    rows = await OutboxMail.filter(status__in=[PENDING, FAILED]).order_by("id")
    return [
        Listed(
            id=row.id,
            template=row.template,
            recipient=row.recipient,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            last_error=row.last_error,
        )
        for row in rows
    ]
