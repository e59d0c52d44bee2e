"""Asking for an export (at most one a day per account) and listing one's own."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from models import DataExport, User
from services.deadlocks import again_on_deadlock
from services.errors import NotFound, TooManyRequests
from services.exports import queue
from services.transactions import after_commit, transaction

ONCE_EVERY = timedelta(days=1)
LISTED = 20  # the newest ones; older ones are expired long since
EXPORT_TOO_SOON = "EXPORT_TOO_SOON"


class ExportTooSoon(TooManyRequests):
    """An export was asked for less than a day ago: ``retryAfter`` (seconds) and ``nextPossibleAt`` say when the
    next one may be."""

    def __init__(self, next_possible_at: datetime) -> None:
        wait = math.ceil((next_possible_at - queue.now()).total_seconds())
        super().__init__(
            f"An export can be asked for once a day; the next one from {next_possible_at.isoformat()}.",
            retry_after=wait,
        )
        self.next_possible_at = next_possible_at

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": EXPORT_TOO_SOON, "nextPossibleAt": self.next_possible_at.isoformat()}


async def request_export(*, user: User, link_base: str) -> DataExport:
    """A new export of ``user``'s data, built in the background; ``link_base`` is where the mailed link points
    (PUBLIC_URL, or the request's own address). One a day: an earlier request within a day (unless its build
    failed for good) makes this one ExportTooSoon. The account's row is locked while it is checked, so two
    requests at once make one export."""

    async def attempt() -> DataExport:
        async with transaction():
            owner = await User.filter(id=user.id).select_for_update().only("id").first()
            if owner is None:
                raise NotFound("No such account.")
            moment = queue.now()
            last = (
                await DataExport.filter(user_id=user.id, requested_at__gt=moment - ONCE_EVERY)
                .exclude(status=queue.FAILED)
                .order_by("-requested_at")
                .first()
            )
            if last is not None:
                raise ExportTooSoon(last.requested_at + ONCE_EVERY)
            export = await DataExport.create(
                user_id=user.id,
                status=queue.PENDING,
                requested_at=moment,
                link_base=link_base.removesuffix("/"),
                next_attempt_at=moment,
            )
            after_commit(queue.wake)
        return export

    return await again_on_deadlock(attempt)


async def list_of(*, user: User) -> list[DataExport]:
    """The account's exports, newest first."""
    return await DataExport.filter(user_id=user.id).order_by("-requested_at", "-id").limit(LISTED)
