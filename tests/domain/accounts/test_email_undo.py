"""Undoing an email change (README, Email): the link mailed to the old address puts it back, verified, ends
every session, works once, undoes later changes too, and is CONFLICT on ``token`` if another account took
the old address meanwhile."""

from __future__ import annotations

import time

import pytest

from models import SecurityEvent, Session, User
from services.accounts import email_undo, profile
from services.errors import AccountError, Conflict, InvalidInput
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.conftest import Register
from tests.domain.accounts.support import CLIENT, mails, refused, token


async def change_email(user: User, email: str, settings: Settings, throttle: Throttle) -> None:
    await profile.update_user(
        actor=user,
        changes={"email": email},
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        signed_in_at=time.time(),
    )


async def undo(mailed: str, settings: Settings) -> None:
    await email_undo.undo(token=mailed, settings=settings, client=CLIENT)


async def test_undo_restores_the_old_address_verified_and_ends_every_session(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await change_email(ann, "thief@example.com", settings, throttle)
    mailed = await token("email_changed", "ann@example.com")

    await undo(mailed, settings)

    stored = await User.get(id=ann.id)
    assert (stored.email, stored.email_verified) == ("ann@example.com", True)
    assert await Session.filter(user_id=ann.id, revoked_at=None).count() == 0
    assert await SecurityEvent.filter(user_id=ann.id, kind="EMAIL_CHANGE_UNDONE").count() == 1
    with pytest.raises(AccountError) as error:
        await undo(mailed, settings)
    refused(error, InvalidInput, "token")


async def test_a_link_undoes_the_later_changes_and_theirs_die_with_it(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await change_email(ann, "second@example.com", settings, throttle)
    await change_email((await User.get(id=ann.id)), "third@example.com", settings, throttle)
    first, later = await token("email_changed", "ann@example.com"), await token("email_changed", "second@example.com")

    await undo(first, settings)

    assert (await User.get(id=ann.id)).email == "ann@example.com"
    with pytest.raises(AccountError) as error:
        await undo(later, settings)
    refused(error, InvalidInput, "token")


async def test_an_old_address_taken_meanwhile_is_a_conflict_and_the_token_stays(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await change_email(ann, "new@example.com", settings, throttle)
    mailed = await token("email_changed", "ann@example.com")
    bob = (await register("bob", email="ann@example.com")).user

    with pytest.raises(AccountError) as error:
        await undo(mailed, settings)

    refused(error, Conflict, "token")
    assert (await User.get(id=ann.id)).email == "new@example.com"
    await User.filter(id=bob.id).update(email=None, email_key=None)
    await undo(mailed, settings)  # unused: it works once the address is free
    assert (await User.get(id=ann.id)).email == "ann@example.com"


async def test_the_notice_names_the_account_and_carries_the_link(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann", email="ann@example.com")).user

    await change_email(ann, "new@example.com", settings, throttle)

    [notice] = await mails("email_changed", "ann@example.com")
    assert notice["user_name"] == "ann"
    assert notice["link"] == settings.undo_email_change_url.replace("{token}", notice["token"])
    assert notice["valid_for"] == "7 days"
