"""Passwords' hashing, and how long deactivated accounts and security events are kept."""

from __future__ import annotations

from pydantic import BaseModel, Field

from settings.fields import Days, Whole


class AccountSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    bcrypt_rounds: Whole = Field(12, description="bcrypt cost (4-31); about 0.2 s a hash at 12", ge=4, le=31)
    account_restore_days: Days = Field(
        30,
        description="days a deactivated account can be restored by signing in; then the clean-up deletes it",
        ge=0,
        le=36500,
    )
    security_event_days: Whole = Field(90, description="days a security event is kept, then pruned", ge=1)
    maintenance_interval: Whole = Field(
        3600,
        description="seconds between the server's clean-ups (old security events, accounts past the restore window)",
        ge=1,
    )
