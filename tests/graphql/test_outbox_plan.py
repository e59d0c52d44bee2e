"""The outbox's depth for /metrics reads an index, not the table: sent mail piles up there, and every worker
asks every few seconds. Each backend's own plan for the query outbox.depth runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models import OutboxMail
from services.mail import outbox
from tests.support import Api
from tests.support.plans import query_plan

MAILS = 3000  # enough rows, with statistics, that a planner prefers an index where one serves
PENDING = FAILED = 15  # of every 100 mails one is not sent: pending or failed in turn; the rest were sent


async def _crowd() -> None:
    now = datetime.now(UTC)
    await OutboxMail.bulk_create(
        [
            OutboxMail(
                template="password_changed",
                recipient=f"r{n}@example.com",
                data="{}",
                status=outbox.SENT if n % 100 else outbox.PENDING if n % 200 else outbox.FAILED,
                next_attempt_at=now,
                sent_at=now,
            )
            for n in range(MAILS)
        ],
        batch_size=500,
    )


async def test_the_outbox_depth_is_read_from_an_index(api: Api) -> None:
    await _crowd()
    plan = await query_plan(api.backend, outbox.depth_query(), tables=["outbox_mails"], vacuum=True)

    if api.backend == "sqlite":
        assert "COVERING INDEX" in plan, plan
    elif api.backend == "postgres":
        assert "Seq Scan on outbox_mails" not in plan, plan
        assert "Index Only Scan" in plan, plan
    else:
        assert "'type': 'ALL'" not in plan, plan
        assert re.search(r"Using index(?! condition)", plan), plan  # the index alone, not a filter before rows
    depth = await outbox.depth()
    assert (depth.pending, depth.failed) == (PENDING, FAILED)
    assert 0 <= depth.oldest_pending_seconds < 60
