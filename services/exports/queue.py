"""The exports waiting to be built, claimed by builders as the mail outbox's rows are (services/mail/outbox.py).

A claim takes due rows under ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL, MariaDB; SQLite has one writer at
a time) and moves each a lease (DATA_EXPORT_LEASE_SECONDS) ahead with a compare-and-set on its attempt count, so
two builders never take one export. A builder that dies, or whose try fails, leaves the export to be taken again
once the lease runs out; only the claim that is still the row's (same attempt count) may mark it ready, so a
builder that was too slow cannot overwrite a newer one's archive.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models import DataExport
from models.data_export import ERROR_MAX
from services.deadlocks import again_on_deadlock
from services.identity import one_time_tokens
from settings import Settings

PENDING, BUILDING, READY, FAILED, EXPIRED = "pending", "building", "ready", "failed", "expired"
STATUSES = (PENDING, BUILDING, READY, FAILED, EXPIRED)

log = logging.getLogger("app.exports")

_wakers: set[asyncio.Event] = set()


def now() -> datetime:
    return datetime.now(UTC)


def digest(token: str, settings: Settings) -> str:
    """The keyed hash a download link's token is kept as (one-time tokens' hash, with a key of its own)."""
    return one_time_tokens.keyed_digest(token, settings, purpose=b"data-exports")


def wake() -> None:
    """Tell this process's builder that an export is waiting (others find it on their next look)."""
    for event in _wakers:
        event.set()


def listen(event: asyncio.Event) -> None:
    """Set ``event`` whenever this process takes a request (until ``forget``)."""
    _wakers.add(event)


def forget(event: asyncio.Event) -> None:
    _wakers.discard(event)


def _claimable() -> Q:
    # Pending, or building under a lease that ran out (its builder died or its try failed).
    return Q(status__in=[PENDING, BUILDING])


async def claim(*, limit: int, settings: Settings) -> list[DataExport]:
    """Take up to ``limit`` due exports for this builder; each one's ``attempts`` counts this try. An export
    tried DATA_EXPORT_MAX_ATTEMPTS times already is marked failed instead."""
    return await again_on_deadlock(lambda: _claim(limit, settings))


async def _claim(limit: int, settings: Settings) -> list[DataExport]:
    moment = now()
    lease = moment + timedelta(seconds=settings.data_export_lease_seconds)
    claimed: list[DataExport] = []
    async with in_transaction() as connection:
        due = (
            await DataExport.filter(_claimable(), next_attempt_at__lte=moment)
            .order_by("id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        for export in due:
            mine = DataExport.filter(_claimable(), id=export.id, attempts=export.attempts).using_db(connection)
            if export.attempts >= settings.data_export_max_attempts:
                if await mine.update(status=FAILED):
                    log.error("data_export_given_up id=%s attempts=%s", export.id, export.attempts)
                continue
            if await mine.update(status=BUILDING, attempts=F("attempts") + 1, next_attempt_at=lease):
                export.status = BUILDING
                export.attempts += 1
                claimed.append(export)
    return claimed


def still_mine(export: DataExport) -> Q:
    """The row as this builder's claim left it: no other builder has taken it since, its account still exists."""
    return Q(id=export.id, status=BUILDING, attempts=export.attempts, user_id__isnull=False)


async def failed(export: DataExport, error: str) -> None:
    """Note why a try failed; the export is taken again once its lease runs out."""
    error = error[:ERROR_MAX]
    await again_on_deadlock(lambda: DataExport.filter(still_mine(export)).update(last_error=error))
    log.warning("data_export_failed id=%s attempts=%s error=%s", export.id, export.attempts, error)
