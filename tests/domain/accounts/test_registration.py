"""Registration (README, Rules) through the service, on a real database, without HTTP.

The oracle is the rule as README states it: what is stored, what is refused with which field, and that a
refused change writes nothing.
"""

from __future__ import annotations

import pytest

from models import OutboxMail, User, UserProfile
from services.accounts import registration
from services.errors import AccountError, Conflict, InvalidInput, NotFound
from services.people import lookup
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import PASSWORD, mails, refused, register


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


async def test_register_mails_a_verification_link_to_a_given_email_only(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    with_email = await register(settings, throttle, "ann", email="ann@example.com")
    await register(settings, throttle, "bob")

    assert with_email.user.email_verified is False
    verify = await mails("verify_email")
    assert [mail["user_name"] for mail in verify] == ["ann"]
    assert verify[0]["token"] in verify[0]["link"]
    assert await OutboxMail.all().count() == 1  # bob, without an email, is mailed nothing


async def test_grant_admin_makes_a_registered_user_an_admin(db: str, settings: Settings, throttle: Throttle) -> None:
    await register(settings, throttle, "ann")

    with pytest.raises(AccountError) as error:
        await registration.grant_admin("nobody")
    refused(error, NotFound, "userName")

    admin = await registration.grant_admin("ANN")
    stored = await lookup.by_name("ann")
    assert admin.is_admin and stored is not None and stored.is_admin
