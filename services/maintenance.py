"""Periodic clean-up, run by every server instance on a timer and by ``python main.py purge``.

Each step is one conditional DELETE, so instances running it at the same moment do the work once
between them and never fail one another.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

from services import security_events
from services.accounts import lifecycle
from services.exports import expiry
from services.identity import providers, sign_in_codes
from services.webhooks import queue as webhook_queue
from settings import Settings

log = logging.getLogger("app.maintenance")


@dataclass(frozen=True)
class Purged:
    accounts: int
    security_events: int
    sign_in_codes: int = 0
    provider_sign_ins: int = 0
    data_exports: int = 0
    webhooks: int = 0


async def run_once(settings: Settings) -> Purged:
    """Everything past its keeping time goes now: accounts deactivated longer than ACCOUNT_RESTORE_DAYS
    (with everything of theirs), security events older than SECURITY_EVENT_DAYS, sign-in codes expired over a
    day ago, provider sign-ins expired over a day ago, data exports past DATA_EXPORT_DAYS (their files deleted),
    webhook events and finished deliveries older than WEBHOOK_RETENTION_DAYS."""
    accounts = await lifecycle.purge_deactivated(restore_days=settings.account_restore_days, settings=settings)
    events = await security_events.prune(keep_days=settings.security_event_days)
    codes = await sign_in_codes.prune()
    begun = await providers.prune()
    exports = await expiry.expire(settings)
    webhooks = await webhook_queue.prune(keep_days=settings.webhook_retention_days)
    return Purged(
        accounts=accounts,
        security_events=events,
        sign_in_codes=codes,
        provider_sign_ins=begun,
        data_exports=exports,
        webhooks=webhooks,
    )


async def run_periodically(settings: Settings) -> None:
    """``run_once`` every MAINTENANCE_INTERVAL seconds (the first at a random point of the first interval,
    so instances started together spread out) until cancelled; a failed run is logged and retried next time."""
    delay = secrets.randbelow(settings.maintenance_interval) + 1
    while True:
        await asyncio.sleep(delay)
        delay = settings.maintenance_interval
        try:
            purged = await run_once(settings)
        except Exception:
            log.exception("periodic clean-up failed; retrying in %s s", delay)
            continue
        if purged != Purged(accounts=0, security_events=0):
            log.info("periodic clean-up: %s", purged)
