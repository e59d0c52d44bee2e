"""The account events other services hear about, and ``emit``: the one way to raise one.

``emit`` writes the event inside the ``services.transactions.transaction()`` of the change that causes it,
so the event exists exactly when the change does (the outbox pattern the mail uses); delivery is later and
elsewhere (services/webhooks/). ``data`` must never hold a secret: no password, hash, token or code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Literal, get_args

from models.webhook import WebhookEvent
from services.transactions import after_commit
from services.webhooks import wakeup

EventType = Literal[
    "user.created",
    "user.updated",
    "user.email_verified",
    "user.deactivated",
    "user.restored",
    "user.suspended",
    "user.deleted",
    "session.revoked",
    "follow.created",
    "follow.deleted",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


async def emit(type: EventType, data: Mapping[str, object]) -> WebhookEvent:
    """Record the event ``type`` with its ``data``, inside the transaction of the change that causes it."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type!r}")
    event = await WebhookEvent.create(type=type, data=json.dumps(dict(data)), created_at=datetime.now(UTC))
    # This process's webhook worker, once the change commits. Inside a bare in_transaction() there is no
    # commit hook: the worker's next look (WEBHOOK_POLL_SECONDS) finds the event then.
    with suppress(RuntimeError):
        after_commit(wakeup.wake)
    return event
