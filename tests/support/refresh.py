"""Refresh tokens in tests: the reuse grace passing, without waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import RefreshToken

AN_HOUR = timedelta(hours=1)


async def after_the_reuse_grace() -> None:
    """Time passes: every spent refresh token was spent an hour ago, past any REFRESH_REUSE_GRACE_SECONDS
    (at most 60), so presenting one again is reuse."""
    await RefreshToken.filter(used_at__not_isnull=True).update(used_at=datetime.now(UTC) - AN_HOUR)
