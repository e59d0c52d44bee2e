"""Profile updates (README, Rules, Security, Email) through the service, on a real database, without HTTP.

The oracle is the rule as README states it: what is stored, what is refused with which field, and that a
refused change writes nothing.
"""

from __future__ import annotations

import time

import pytest

from models import SecurityEvent, Session, User
from services.accounts import profile, registration
from services.errors import AccountError, Forbidden, InvalidInput, NotFound, RecentSignInRequired
from services.people import lookup
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import CLIENT, PASSWORD, mails, refused, register, update


async def test_update_changes_only_the_given_fields_and_none_clears(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    signed_in = await register(settings, throttle, email="john@example.com", first_name="John", last_name="Doe")

    updated = await update(
        signed_in.user, settings, throttle, bio="Coffee.", website="https://john.example", email=None
    )

    assert (updated.bio, updated.profile.website, updated.email) == ("Coffee.", "https://john.example", None)
    assert (updated.first_name, updated.last_name, updated.user_name) == ("John", "Doe", "john_doe")


async def test_name_splits_into_first_and_last_name(db: str, settings: Settings, throttle: Throttle) -> None:
    signed_in = await register(settings, throttle)

    updated = await update(signed_in.user, settings, throttle, name="  José María López ")

    assert (updated.first_name, updated.last_name) == ("José", "María López")


async def test_a_bad_field_changes_nothing(db: str, settings: Settings, throttle: Throttle) -> None:
    signed_in = await register(settings, throttle, first_name="John")

    with pytest.raises(AccountError) as error:
        await update(signed_in.user, settings, throttle, first_name="Jonathan", phone_number="+12")

    refused(error, InvalidInput, "phoneNumber")
    user = await lookup.by_id(signed_in.user.id)
    assert user is not None and (user.first_name, user.phone_number) == ("John", None)


async def test_updating_another_user_is_forbidden_unless_an_admin_does_it(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    bob = (await register(settings, throttle, "bob")).user

    with pytest.raises(AccountError) as error:
        await update(bob, settings, throttle, "ann", bio="Bob was here")
    refused(error, Forbidden, None)

    admin = await registration.grant_admin("bob")
    updated = await update(admin, settings, throttle, "ANN", bio="Checked.", verified=True)
    assert (updated.id, updated.bio, updated.profile.verified) == (ann.id, "Checked.", True)


async def test_only_an_admin_may_set_verified(db: str, settings: Settings, throttle: Throttle) -> None:
    ann = (await register(settings, throttle, "ann")).user

    with pytest.raises(AccountError) as error:
        await update(ann, settings, throttle, verified=True)

    refused(error, Forbidden, "verified")


async def test_an_unknown_target_is_not_found_before_it_is_forbidden(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user

    with pytest.raises(AccountError) as error:
        await update(ann, settings, throttle, "nobody", bio="x")

    refused(error, NotFound, "userName")


async def test_a_password_change_needs_the_old_password_and_revokes_every_session(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    assert await Session.filter(user_id=ann.id, revoked_at=None).count() == 1
    with pytest.raises(AccountError) as error:
        await profile.update_user(
            actor=ann,
            changes={},
            settings=settings,
            throttle=throttle,
            client=CLIENT,
            old_password="wrong password",
            new_password="x" * 12,
        )
    refused(error, InvalidInput, "providedOldPassword")

    await profile.update_user(
        actor=ann,
        changes={},
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        old_password=PASSWORD,
        new_password="n3w passphrase",
    )

    changed = await lookup.by_id(ann.id)
    assert changed is not None and changed.token_version == ann.token_version + 1
    assert await Session.filter(user_id=ann.id, revoked_at=None).count() == 0


async def test_an_email_change_needs_a_recent_sign_in_or_the_password(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann", email="ann@example.com")).user
    stale = time.time() - settings.recent_sign_in_seconds - 60

    with pytest.raises(RecentSignInRequired):
        await profile.update_user(
            actor=ann,
            changes={"email": "new@example.com"},
            settings=settings,
            throttle=throttle,
            client=CLIENT,
            signed_in_at=stale,
        )
    unchanged = await lookup.by_id(ann.id)
    assert unchanged is not None and unchanged.email == "ann@example.com"

    changed = await profile.update_user(
        actor=ann,
        changes={"email": "new@example.com"},
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        old_password=PASSWORD,
        signed_in_at=stale,
    )
    assert changed.email == "new@example.com"


async def test_a_changed_email_is_unverified_and_the_old_address_gets_an_undo_link(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann", email="ann@example.com")).user
    await User.filter(id=ann.id).update(email_verified=True)

    changed = await update(ann, settings, throttle, email="new@example.com")

    assert changed.email_verified is False
    notices = await mails("email_changed", "ann@example.com")
    assert len(notices) == 1 and notices[0]["token"] in notices[0]["link"]
    assert len(await mails("verify_email", "new@example.com")) == 1
    assert await SecurityEvent.filter(user_id=ann.id, kind="EMAIL_CHANGED").count() == 1


async def test_a_password_change_mails_a_notice(db: str, settings: Settings, throttle: Throttle) -> None:
    ann = (await register(settings, throttle, "ann", email="ann@example.com")).user

    await profile.update_user(
        actor=ann,
        changes={},
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        old_password=PASSWORD,
        new_password="n3w passphrase",
    )

    assert await mails("password_changed", "ann@example.com") == [{"user_name": "ann"}]
