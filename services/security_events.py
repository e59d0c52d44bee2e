"""A user's security history: what happened to the account, when, from which client.

Written with the ``app.security`` log line by services.audit.record, the one call for both: the log is
for operators, these rows are the person's own, listed by ``securityEvents`` and pruned after
SECURITY_EVENT_DAYS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from models import SecurityEvent


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
    EMAIL_VERIFIED = "EMAIL_VERIFIED"
    PASSWORD_RESET_REQUESTED = "PASSWORD_RESET_REQUESTED"  # noqa: S105 - an event's name
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"  # noqa: S105 - an event's name
    RECENT_SIGN_IN_REQUIRED = "RECENT_SIGN_IN_REQUIRED"
    TWO_FACTOR_ENABLED = "TWO_FACTOR_ENABLED"
    TWO_FACTOR_DISABLED = "TWO_FACTOR_DISABLED"
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED"
    RECOVERY_CODES_REGENERATED = "RECOVERY_CODES_REGENERATED"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    ACCOUNT_UNSUSPENDED = "ACCOUNT_UNSUSPENDED"
    SIGN_IN_CODE_REQUESTED = "SIGN_IN_CODE_REQUESTED"
    SIGN_IN_WITH_CODE = "SIGN_IN_WITH_CODE"
    SIGN_IN_WITH_LINK = "SIGN_IN_WITH_LINK"
    SIGN_IN_CODE_FAILED = "SIGN_IN_CODE_FAILED"
    PASSKEY_SIGN_IN = "PASSKEY_SIGN_IN"
    PASSKEY_ADDED = "PASSKEY_ADDED"
    PASSKEY_REMOVED = "PASSKEY_REMOVED"
    PASSKEY_CLONE_SUSPECTED = "PASSKEY_CLONE_SUSPECTED"
    SIGN_IN_WITH_PROVIDER = "SIGN_IN_WITH_PROVIDER"
    PROVIDER_SIGN_IN_FAILED = "PROVIDER_SIGN_IN_FAILED"
    PROVIDER_LINKED = "PROVIDER_LINKED"
    PROVIDER_UNLINKED = "PROVIDER_UNLINKED"
    PASSWORD_SET = "PASSWORD_SET"  # noqa: S105 - an event's name


@dataclass(frozen=True)
class Page:
    events: list[SecurityEvent]
    has_next: bool


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
