"""A user's security history: what happened to the account, when, from which client.

Written next to the ``app.security`` log lines (which stay): those are for operators, these rows are
the person's own, listed by ``securityEvents`` and pruned after SECURITY_EVENT_DAYS.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tortoise.exceptions import IntegrityError

from models import SecurityEvent
from services.sessions import Client


class Kind(StrEnum):
    LOGIN = "LOGIN"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGOUT = "LOGOUT"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"  # noqa: S105 - an event's name
    EMAIL_CHANGED = "EMAIL_CHANGED"
    EMAIL_CHANGE_UNDONE = "EMAIL_CHANGE_UNDONE"
    SESSION_REVOKED = "SESSION_REVOKED"
    ACCOUNT_DEACTIVATED = "ACCOUNT_DEACTIVATED"
    ACCOUNT_RESTORED = "ACCOUNT_RESTORED"


@dataclass(frozen=True)
class Page:
    events: list[SecurityEvent]
    has_next: bool


async def record(kind: Kind, *, user_id: int, client: Client) -> None:
    """Store one event of ``user_id``; nothing when the user was deleted meanwhile (its history went with it)."""
    with suppress(IntegrityError):  # the foreign key: the user row is gone
        await SecurityEvent.create(
            user_id=user_id,
            kind=kind.value,
            at=datetime.now(UTC),
            ip_address=client.ip_address,
            user_agent=client.agent,
        )


async def page(*, user_id: int, first: int, after: int | None) -> Page:
    """The user's events, newest first; ``after`` is the id of the last event of the previous page."""
    rows = SecurityEvent.filter(user_id=user_id)
    if after is not None:
        rows = rows.filter(id__lt=after)
    found = await rows.order_by("-id").limit(first + 1)
    return Page(found[:first], len(found) > first)


async def prune(*, keep_days: int, now: datetime | None = None) -> int:
    """Delete events older than ``keep_days``; how many went."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    return await SecurityEvent.filter(at__lt=cutoff).delete()
