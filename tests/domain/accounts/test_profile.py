"""The account rules (README, Rules) through the services, on a real database, without HTTP.

The oracle is the rule as README states it: what is stored, what is refused with which field, and that a
refused change writes nothing.
"""

from __future__ import annotations

import time

import pytest

from models import Session, User, UserProfile
from services.accounts import deletion, profile, registration
from services.client import Client
from services.errors import AccountError, Conflict, Forbidden, InvalidInput, NotFound
from services.identity.sign_in import SignedIn
from services.people import lookup
from services.throttle import Throttle
from settings import Settings

PASSWORD = "secure_password123"
CLIENT = Client("203.0.113.7")


async def register(settings: Settings, throttle: Throttle, user_name: str = "john_doe", **fields: str) -> SignedIn:
    return await registration.register(
        user_name=user_name, password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT, **fields
    )


async def update(
    actor: User, settings: Settings, throttle: Throttle, user_name: str | None = None, **changes: object
) -> User:
    return await profile.update_user(
        actor=actor,
        changes=changes,
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        user_name=user_name,
        signed_in_at=time.time(),  # as from a session that has just signed in (the email rule allows it)
    )


def refused(error: pytest.ExceptionInfo[AccountError], kind: type[AccountError], field: str | None) -> None:
    assert isinstance(error.value, kind), error.value
    assert error.value.field == field


async def test_register_stores_the_normalised_fields_and_a_default_profile(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    signed_in = await register(
        settings,
        throttle,
        "John_Doe",
        email="  John@EXAMPLE.com ",
        first_name=" John ",
        last_name="Doe",
        phone_number="+1 (555) 010-9999",
    )

    user = await lookup.by_id(signed_in.user.id)
    assert user is not None
    assert (user.user_name, user.email, user.first_name, user.last_name) == (
        "John_Doe",
        "John@example.com",
        "John",
        "Doe",
    )
    assert user.phone_number == "+15550109999"
    assert (user.bio, user.profile_image, user.is_admin, user.account_deleted) == (None, None, False, False)
    profile = user.profile
    assert (profile.website, profile.gender, profile.push_notifications) == (None, None, False)
    assert (profile.account_privacy, profile.verified) == (False, False)
    assert signed_in.access_token and signed_in.refresh_token.token
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        pytest.param("+1234567890", "+1234567890", id="the-seed-example-unassigned-but-a-number"),
        pytest.param("+1 (555) 010-9999", "+15550109999", id="separators-removed"),
        pytest.param("+1 650-253-0000", "+16502530000", id="assigned"),
    ],
)
async def test_register_accepts_phone_numbers_and_stores_e164(
    db: str, settings: Settings, throttle: Throttle, phone: str, stored: str
) -> None:
    signed_in = await register(settings, throttle, phone_number=phone)

    assert signed_in.user.phone_number == stored


@pytest.mark.parametrize("phone", ["+12", "12345678", "+1 call me", "+"])
async def test_register_refuses_what_is_no_phone_number_and_writes_nothing(
    db: str, settings: Settings, throttle: Throttle, phone: str
) -> None:
    with pytest.raises(AccountError) as error:
        await register(settings, throttle, phone_number=phone)

    refused(error, InvalidInput, "phoneNumber")
    assert await User.all().count() == 0
    assert await UserProfile.all().count() == 0


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        pytest.param({"user_name": "john_doe"}, {"user_name": "JOHN_DOE"}, "userName", id="name-ignoring-case"),
        pytest.param({"email": "a@example.com"}, {"email": "A@Example.COM"}, "email", id="email-ignoring-case"),
        pytest.param({"phone_number": "+16502530000"}, {"phone_number": "+1 650 253 0000"}, "phoneNumber", id="phone"),
    ],
)
async def test_a_unique_value_is_taken_once(
    db: str, settings: Settings, throttle: Throttle, first: dict[str, str], second: dict[str, str], field: str
) -> None:
    await register(settings, throttle, **{"user_name": "first", **first})

    with pytest.raises(AccountError) as error:
        await register(settings, throttle, **{"user_name": "second", **second})

    refused(error, Conflict, field)
    assert await User.all().count() == 1


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


async def test_delete_removes_the_user_its_profile_and_its_sessions(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    bob = (await register(settings, throttle, "bob")).user

    with pytest.raises(AccountError) as error:
        await deletion.delete_user(
            actor=bob, user_name="ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=time.time()
        )
    refused(error, Forbidden, None)

    deleted = await deletion.delete_user(
        actor=ann, user_name="Ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=time.time()
    )

    assert deleted.id == ann.id
    assert await lookup.by_name("ann") is None
    assert await UserProfile.filter(user_id=ann.id).count() == 0
    assert await Session.filter(user_id=ann.id).count() == 0
    assert await lookup.by_name("bob") is not None
