"""Rate limits: failed logins per account, per address and per both; registrations and refreshes per address.

Only failures count against a login, and every limit is a time window, so a stranger can at
worst slow an account down for a window, never lock it for good.
"""

from __future__ import annotations

from services.audit import security_event
from services.counters import Count, Counters
from services.errors import TooManyRequests
from settings import RateLimits


class Throttle:
    def __init__(self, counters: Counters, limits: RateLimits, *, enabled: bool = True) -> None:
        self.counters = counters
        self.limits = limits
        self.enabled = enabled

    def _login_keys(self, account: str, address: str) -> list[tuple[str, int]]:
        limits = self.limits
        return [
            (f"login:pair:{account}:{address}", limits.login_failures_per_account_and_address),
            (f"login:address:{address}", limits.login_failures_per_address),
            (f"login:account:{account}", limits.login_failures_per_account),
        ]

    async def check_login(self, account: str, address: str) -> None:
        """Refuse a login attempt while any of its failure counts is at its limit."""
        if not self.enabled:
            return
        for key, limit in self._login_keys(account, address):
            count = await self.counters.peek(key)
            if count.value >= limit:
                security_event("login_throttled", user_id=None, address=address, retry_after=count.retry_after)
                raise _too_many("Too many failed logins; try again later.", count)

    async def login_failed(self, account: str, address: str) -> None:
        if self.enabled:
            for key, _ in self._login_keys(account, address):
                await self.counters.hit(key, self.limits.login_window)

    async def login_succeeded(self, account: str, address: str) -> None:
        if self.enabled:
            await self.counters.clear(f"login:pair:{account}:{address}")

    async def registration(self, address: str) -> None:
        await self._count(f"register:{address}", self.limits.registrations_per_address, self.limits.registration_window)

    async def refresh(self, address: str) -> None:
        await self._count(f"refresh:{address}", self.limits.refreshes_per_address, self.limits.refresh_window)

    async def _count(self, key: str, limit: int, window: int) -> None:
        if not self.enabled:
            return
        count = await self.counters.hit(key, window)
        if count.value > limit:
            raise _too_many("Too many requests from this address; try again later.", count)


def _too_many(message: str, count: Count) -> TooManyRequests:
    return TooManyRequests(message, retry_after=count.retry_after)
