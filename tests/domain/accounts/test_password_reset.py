"""Resetting a forgotten password (README, Email): a request writes one outbox row whatever the address, the
sender's resolution turns it into a reset mail only for a known address, and a reset token sets the password
once, ends every session, verifies the address and dies when the account's address changes."""

from __future__ import annotations

import time

import pytest

from models import OutboxMail, Session, User
from services.accounts import password_reset, profile
from services.errors import AccountError, InvalidInput
from services.identity import passwords
from services.mail import outbox
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.conftest import Register
from tests.domain.accounts.support import CLIENT, mails, refused, token

NEW_PASSWORD = "n3w passphrase"


async def request(email: str, settings: Settings, throttle: Throttle) -> None:
    await password_reset.request_password_reset(email=email, settings=settings, throttle=throttle, client=CLIENT)


async def resolve_all(settings: Settings) -> None:
    """What the sender does: claim the due rows and resolve the reset requests among them."""
    for row in await outbox.claim(limit=100):
        if row.template == password_reset.RESET_REQUEST:
            await password_reset.resolve_reset_request(row, settings)


async def reset(mailed: str, settings: Settings, new_password: str = NEW_PASSWORD) -> None:
    await password_reset.reset_password(token=mailed, new_password=new_password, settings=settings, client=CLIENT)


@pytest.mark.parametrize("email", ["ann@example.com", "nobody@example.com"])
async def test_a_request_writes_one_outbox_row_whatever_the_address(
    register: Register, settings: Settings, throttle: Throttle, email: str
) -> None:
    await register("ann", email="ann@example.com")
    before = await OutboxMail.all().count()

    await request(email, settings, throttle)

    assert await OutboxMail.all().count() == before + 1
    assert await OutboxMail.filter(template=password_reset.RESET_REQUEST).count() == 1
    assert await mails("reset_password") == []  # no lookup, no mail yet


@pytest.mark.parametrize(("email", "mailed"), [("ANN@example.com", 1), ("nobody@example.com", 0)])
async def test_the_resolution_mails_a_known_address_only(
    register: Register, settings: Settings, throttle: Throttle, email: str, mailed: int
) -> None:
    await register("ann", email="ann@example.com")
    await request(email, settings, throttle)

    await resolve_all(settings)

    assert len(await mails("reset_password", "ann@example.com")) == mailed
    done = await OutboxMail.get(template=password_reset.RESET_REQUEST)
    assert (done.status, done.recipient, done.data) == (outbox.SENT, "", "{}")


async def test_a_reset_token_sets_the_password_once_and_ends_every_session(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await request("ann@example.com", settings, throttle)
    await resolve_all(settings)
    mailed = await token("reset_password", "ann@example.com")

    await reset(mailed, settings)

    stored = await User.get(id=ann.id)
    assert await passwords.verify_password(NEW_PASSWORD, stored.password_hash, rounds=settings.bcrypt_rounds)
    assert stored.email_verified is True
    assert await Session.filter(user_id=ann.id, revoked_at=None).count() == 0
    assert await mails("password_changed", "ann@example.com") == [{"user_name": "ann"}]
    with pytest.raises(AccountError) as error:
        await reset(mailed, settings, "an0ther passphrase")
    refused(error, InvalidInput, "token")


async def test_a_newer_request_ends_the_older_token(register: Register, settings: Settings, throttle: Throttle) -> None:
    await register("ann", email="ann@example.com")
    for _ in range(2):
        await request("ann@example.com", settings, throttle)
        await resolve_all(settings)
    older, newer = [mail["token"] for mail in await mails("reset_password", "ann@example.com")]

    with pytest.raises(AccountError) as error:
        await reset(older, settings)
    refused(error, InvalidInput, "token")
    await reset(newer, settings)


async def test_a_reset_token_dies_when_the_address_changes(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await request("ann@example.com", settings, throttle)
    await resolve_all(settings)
    mailed = await token("reset_password", "ann@example.com")
    await profile.update_user(
        actor=ann,
        changes={"email": "new@example.com"},
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        signed_in_at=time.time(),
    )

    with pytest.raises(AccountError) as error:
        await reset(mailed, settings)

    refused(error, InvalidInput, "token")
    stored = await User.get(id=ann.id)
    assert not await passwords.verify_password(NEW_PASSWORD, stored.password_hash, rounds=settings.bcrypt_rounds)
