"""A signed-in caller proving again who they are: the password or a one-time code, counted by the login
throttle, and the recent-sign-in rule (GitHub's "sudo mode") for changes a stolen token must not make.

An access token proves only that someone holds it. Changing the email address or deleting the account
needs more: a session that signed in with its credentials within RECENT_SIGN_IN_SECONDS (its tokens'
``auth_time``, kept across refreshes), or the current password in the same request. Every check of a
password or code for a signed-in caller goes through ``verify``, so each counts toward the account's
limit like a failed login, and while the account is at its limit even the right password waits.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from models import User
from services import audit
from services.accounts.validation import check_password_size
from services.client import Client
from services.errors import InvalidInput, RecentSignInRequired
from services.identity import passwords
from services.people import lookup
from services.security_events import Kind
from services.throttle import LOGIN, Throttle
from settings import Settings

THROTTLED = "Too many failed attempts; try again later."
WRONG_PASSWORD = "The password is wrong."  # noqa: S105 - a message


def is_recent(signed_in_at: float | None, settings: Settings, *, now: float | None = None) -> bool:
    """Whether a session that signed in at ``signed_in_at`` (None: unknown, a token from before the claim)
    did so within RECENT_SIGN_IN_SECONDS."""
    if signed_in_at is None:
        return False
    return (time.time() if now is None else now) - signed_in_at <= settings.recent_sign_in_seconds


async def verify(
    user: User,
    *,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    password: str | None = None,
    field: str = "password",
    second: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Check ``user``'s password (sent in the input ``field``) and/or a second proof (``second`` raises when
    it fails: a one-time code), as one attempt under the login throttle, per account and address.

    The attempt is counted before anything is checked, so a locked account is refused (TOO_MANY_REQUESTS)
    before its password is looked at, and attempts sent together cannot pass the limit; a success clears it.
    A wrong password is BAD_USER_INPUT on ``field``.
    """
    if password is None and second is None:
        raise ValueError("verify() needs a password or a second proof to check")
    if password is not None:
        password = check_password_size(password, field)
    attempt = await throttle.reserve(
        *LOGIN,
        message=THROTTLED,
        event="login_throttled",
        account=lookup.throttle_account(user),
        address=client.address,
    )
    if password is not None and not await passwords.verify_password(
        password, user.password_hash, rounds=settings.bcrypt_rounds
    ):
        await audit.record(Kind.LOGIN_FAILED, user_id=user.id, client=client, factor="password")
        raise InvalidInput(WRONG_PASSWORD, field=field)
    if second is not None:
        await second()
    await attempt.succeeded()


async def require_recent_sign_in(
    user: User,
    *,
    signed_in_at: float | None,
    password: str | None,
    field: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
) -> None:
    """For a change a stolen token must not make, by ``user`` (the caller, an admin acting on someone else
    included): the password, when sent (in ``field``), must be right; without it the caller's session must
    have signed in within RECENT_SIGN_IN_SECONDS, else FORBIDDEN with reason RECENT_SIGN_IN_REQUIRED."""
    if password is not None:
        await verify(user, settings=settings, throttle=throttle, client=client, password=password, field=field)
        return
    if not is_recent(signed_in_at, settings):
        await audit.record(Kind.RECENT_SIGN_IN_REQUIRED, user_id=user.id, client=client)
        raise RecentSignInRequired(
            f"This change needs a recent sign-in: send the current password as {field}, or sign in again.",
            field=field,
        )
