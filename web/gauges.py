"""The gauges /metrics samples when scraped: the database pool, the mail outbox and the webhook queue."""

from __future__ import annotations

import database
from services.mail import outbox
from services.webhooks import queue as webhook_queue
from web import metrics

OUTBOX_GAUGES = {
    "mail_outbox_pending": "mails not sent yet, those waiting for a retry included",
    "mail_outbox_failed": "mails given up on after their tries (python main.py outbox lists them)",
    "mail_outbox_oldest_pending_seconds": "age of the oldest mail not sent yet, 0 when none: alert on it",
}


async def outbox_gauges() -> dict[str, float]:
    depth = await outbox.depth()
    return {
        "mail_outbox_pending": depth.pending,
        "mail_outbox_failed": depth.failed,
        "mail_outbox_oldest_pending_seconds": depth.oldest_pending_seconds,
    }


WEBHOOK_GAUGES = {
    "webhook_queue_depth": "webhook deliveries not made yet (retries included), and events not fanned out yet",
    "webhook_oldest_pending_seconds": "age of the oldest webhook delivery (or event) not made yet, 0 when none",
}


async def webhook_gauges() -> dict[str, float]:
    depth = await webhook_queue.depth()
    return {"webhook_queue_depth": depth.queued, "webhook_oldest_pending_seconds": depth.oldest_seconds}


def register() -> None:
    metrics.sampled("database_pool_connections", "connections the database pool holds open", database.pool_connections)
    metrics.sampled("database_pool_in_use", "database pool connections lent out to queries", database.pool_in_use)
    # Every worker reads the same table, so workers' values are alike: the largest, not the sum.
    metrics.sampled_together(OUTBOX_GAUGES, outbox_gauges, mode="livemax")
    metrics.sampled_together(WEBHOOK_GAUGES, webhook_gauges, mode="livemax")
