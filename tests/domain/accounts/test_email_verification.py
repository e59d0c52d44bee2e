"""Verifying an email (README, Email): the mailed token marks the address verified once, and only while it
is still the account's address; unknown and used tokens are BAD_USER_INPUT on ``token``."""

from __future__ import annotations

import time

import pytest

from models import SecurityEvent
from services.accounts import email_verification, profile
from services.errors import AccountError, InvalidInput
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.conftest import Register
from tests.domain.accounts.support import CLIENT, mails, refused, token


async def test_a_token_verifies_the_address_once(register: Register, settings: Settings) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    mailed = await token("verify_email", "ann@example.com")

    verified = await email_verification.verify_email(token=mailed, settings=settings, client=CLIENT)

    assert verified.id == ann.id and verified.email_verified is True
    assert await SecurityEvent.filter(user_id=ann.id, kind="EMAIL_VERIFIED").count() == 1
    with pytest.raises(AccountError) as error:
        await email_verification.verify_email(token=mailed, settings=settings, client=CLIENT)
    refused(error, InvalidInput, "token")


async def test_an_unknown_token_is_refused(register: Register, settings: Settings) -> None:
    await register("ann", email="ann@example.com")

    with pytest.raises(AccountError) as error:
        await email_verification.verify_email(token="not-a-token", settings=settings, client=CLIENT)

    refused(error, InvalidInput, "token")


async def test_a_token_for_an_address_the_account_left_proves_nothing(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    old = await token("verify_email", "ann@example.com")
    await profile.update_user(
        actor=ann,
        changes={"email": "new@example.com"},
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        signed_in_at=time.time(),
    )

    with pytest.raises(AccountError) as error:
        await email_verification.verify_email(token=old, settings=settings, client=CLIENT)

    refused(error, InvalidInput, "token")
    fresh = await email_verification.verify_email(
        token=await token("verify_email", "new@example.com"), settings=settings, client=CLIENT
    )
    assert (fresh.email, fresh.email_verified) == ("new@example.com", True)


async def test_a_request_mails_a_new_link_to_the_accounts_address(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user

    await email_verification.request_email_verification(user=ann, settings=settings, throttle=throttle, client=CLIENT)

    assert len(await mails("verify_email", "ann@example.com")) == 2


async def test_a_request_without_an_address_is_refused(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann")).user

    with pytest.raises(InvalidInput):
        await email_verification.request_email_verification(
            user=ann, settings=settings, throttle=throttle, client=CLIENT
        )

    assert await mails("verify_email") == []
