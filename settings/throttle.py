"""Rate limits: where their counters live, and each limit's count and window (services/throttle.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from settings.fields import Whole


class ThrottleSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    redis_url: str = Field(
        "", description="Redis for rate-limit counters shared by every worker and instance; else in memory", repr=False
    )
    redis_prefix: str = Field("user-service:", description="prefix of this service's Redis keys")
    rate_limit_enabled: bool = Field(True, description="`false` turns throttling off (e.g. for a local load test)")
    login_max_failures: Whole = Field(5, description="failed logins per account and address in a login window", ge=1)
    login_max_failures_per_address: Whole = Field(50, description="failed logins per address in a login window", ge=1)
    login_max_failures_per_account: Whole = Field(
        100, description="failed logins per account, from anywhere, in a login window", ge=1
    )
    login_window: Whole = Field(900, description="the login window, in seconds", ge=1)
    register_max_per_address: Whole = Field(20, description="registrations per address in a registration window", ge=1)
    register_window: Whole = Field(3600, description="the registration window, in seconds", ge=1)
    refresh_max_per_address: Whole = Field(60, description="token refreshes per address in a refresh window", ge=1)
    refresh_window: Whole = Field(60, description="the refresh window, in seconds", ge=1)
    conflict_max_per_account: Whole = Field(
        10,
        description="updates answered CONFLICT (a taken userName, email or phoneNumber) per account in a "
        "conflict window",
        ge=1,
    )
    conflict_max_per_address: Whole = Field(
        20, description="updates answered CONFLICT per address in a conflict window", ge=1
    )
    conflict_window: Whole = Field(3600, description="the conflict window, in seconds", ge=1)
    password_reset_max_per_address: Whole = Field(
        20, description="password-reset and verification mails asked for per address in a reset window", ge=1
    )
    password_reset_max_per_email: Whole = Field(
        5, description="password-reset and verification mails asked for per email address in a reset window", ge=1
    )
    password_reset_window: Whole = Field(3600, description="the reset window, in seconds", ge=1)
    sign_in_code_max_per_address: Whole = Field(
        20, description="sign-in codes (requestSignInCode) asked for per address in a code window", ge=1
    )
    sign_in_code_max_per_email: Whole = Field(
        5, description="sign-in codes asked for per email address in a code window", ge=1
    )
    sign_in_code_window: Whole = Field(3600, description="the code window, in seconds", ge=1)
