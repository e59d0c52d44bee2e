"""Proving again who one is (the module's docstring, README Security): the recent-sign-in window, and every
password or code check of a signed-in caller counting toward the login throttle like a failed login."""

from __future__ import annotations

import time

import pytest

from models import SecurityEvent, User
from services.client import Client
from services.errors import InvalidInput, RecentSignInRequired, TooManyRequests
from services.identity import reauthentication
from services.throttle import Throttle
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser

CLIENT = Client("192.0.2.1")


async def verify(
    user: User, settings: Settings, throttle: Throttle, password: str = PASSWORD, field: str = "password"
) -> None:
    await reauthentication.verify(
        user, settings=settings, throttle=throttle, password=password, field=field, client=CLIENT
    )


def test_recent_means_within_recent_sign_in_seconds(settings: Settings) -> None:
    window, signed_in = settings.recent_sign_in_seconds, 1_000_000.0

    assert reauthentication.is_recent(signed_in, settings, now=signed_in)
    assert reauthentication.is_recent(signed_in, settings, now=signed_in + window)
    assert not reauthentication.is_recent(signed_in, settings, now=signed_in + window + 1)
    assert not reauthentication.is_recent(None, settings, now=signed_in)  # a token without auth_time


async def test_a_wrong_password_is_bad_input_on_its_field_and_recorded(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()

    with pytest.raises(InvalidInput) as raised:
        await verify(user, settings, throttle, password="wrong password!", field="providedOldPassword")

    assert raised.value.field == "providedOldPassword"
    assert await SecurityEvent.filter(user_id=user.id, kind="LOGIN_FAILED").count() == 1
    await verify(user, settings, throttle)


async def test_failures_count_toward_the_login_limit_and_then_even_the_right_password_waits(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    for _ in range(settings.login_max_failures):
        with pytest.raises(InvalidInput):
            await verify(user, settings, throttle, password="wrong password!")

    with pytest.raises(TooManyRequests):
        await verify(user, settings, throttle)


async def test_a_failed_second_proof_counts_too(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    user = await new_user()

    async def wrong_code() -> None:
        raise InvalidInput("The code is wrong.", field="code")

    for _ in range(settings.login_max_failures):
        with pytest.raises(InvalidInput):
            await reauthentication.verify(user, settings=settings, throttle=throttle, second=wrong_code, client=CLIENT)

    with pytest.raises(TooManyRequests):
        await verify(user, settings, throttle)


async def test_a_success_clears_the_count(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    user = await new_user()
    for _ in range(2):
        for _ in range(settings.login_max_failures - 1):
            with pytest.raises(InvalidInput):
                await verify(user, settings, throttle, password="wrong password!")
        await verify(user, settings, throttle)


async def test_a_change_needs_a_recent_sign_in_or_the_password(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    stale = time.time() - settings.recent_sign_in_seconds - 60

    async def require(signed_in_at: float | None, password: str | None) -> None:
        await reauthentication.require_recent_sign_in(
            user,
            signed_in_at=signed_in_at,
            password=password,
            field="password",
            settings=settings,
            throttle=throttle,
            client=CLIENT,
        )

    await require(time.time(), None)
    await require(stale, PASSWORD)
    with pytest.raises(InvalidInput):
        await require(time.time(), "wrong password!")  # a password sent is checked, however recent the session
    for signed_in_at in (stale, None):
        with pytest.raises(RecentSignInRequired) as raised:
            await require(signed_in_at, None)
        assert raised.value.field == "password"

    assert await SecurityEvent.filter(user_id=user.id, kind="RECENT_SIGN_IN_REQUIRED").count() == 2
