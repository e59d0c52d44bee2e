"""Every field of an input checked at once (issue 22.4), through the services, on a real database.

register and update_user check every field before raising: several refusals are one InvalidFields (several
taken values one TakenFields) whose ``errors`` name each field, in the order the input declares its fields; a
single refusal is raised as itself. Nothing is written, and a current password is verified only once every
field passes (a wrong one counts as a failed login).
"""

from __future__ import annotations

import pytest

from models import SecurityEvent, User
from services.accounts import profile, registration
from services.errors import AccountError, Conflict, InvalidFields, InvalidInput, TakenFields
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import CLIENT, PASSWORD, refused, register


def fields_of(error: pytest.ExceptionInfo[AccountError]) -> list[tuple[str, str | None]]:
    assert isinstance(error.value, InvalidFields | TakenFields), error.value
    return [(one.code, one.field) for one in error.value.errors]


async def test_register_refuses_every_bad_field_in_register_inputs_order(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    with pytest.raises(AccountError) as error:
        await registration.register(
            user_name="bad name!",
            password="x",
            email="nope",
            first_name="ok",
            last_name="a\u202eb",
            phone_number="+12",
            settings=settings,
            throttle=throttle,
            client=CLIENT,
        )

    assert isinstance(error.value, InvalidInput)  # callers that catch InvalidInput still do
    assert fields_of(error) == [
        ("BAD_USER_INPUT", "userName"),
        ("BAD_USER_INPUT", "password"),
        ("BAD_USER_INPUT", "email"),
        ("BAD_USER_INPUT", "lastName"),
        ("BAD_USER_INPUT", "phoneNumber"),
    ]
    assert await User.all().count() == 0


async def test_register_checks_the_password_against_the_name_even_when_the_email_is_bad(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    with pytest.raises(AccountError) as error:
        await registration.register(
            user_name="ann_lee_1234",
            password="ANN_LEE_1234",
            email="not an address",
            settings=settings,
            throttle=throttle,
            client=CLIENT,
        )

    assert fields_of(error) == [("BAD_USER_INPUT", "password"), ("BAD_USER_INPUT", "email")]
    assert "user name or email" in error.value.errors[0].message  # type: ignore[attr-defined]


async def test_register_names_every_taken_value(db: str, settings: Settings, throttle: Throttle) -> None:
    await register(settings, throttle, "ann", email="ann@example.com", phone_number="+16502530000")

    with pytest.raises(AccountError) as both:
        await register(settings, throttle, "Ann", email="ANN@example.com")
    with pytest.raises(AccountError) as phone:
        await register(settings, throttle, "bob", phone_number="+1 650 253 0000")

    assert fields_of(both) == [("CONFLICT", "userName"), ("CONFLICT", "email")]
    assert isinstance(both.value, Conflict)
    refused(phone, Conflict, "phoneNumber")
    assert await User.all().count() == 1


async def test_an_update_refuses_every_bad_field_and_the_password_fields_with_them(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann", first_name="Ann")).user

    with pytest.raises(AccountError) as error:
        await profile.update_user(
            actor=ann,
            changes={"gender": "g" * 21, "first_name": "Annie", "user_name": "a b", "push_notifications": None},
            settings=settings,
            throttle=throttle,
            client=CLIENT,
            new_password="short",
        )

    assert fields_of(error) == [
        ("BAD_USER_INPUT", "userName"),
        ("BAD_USER_INPUT", "gender"),
        ("BAD_USER_INPUT", "pushNotifications"),
        ("BAD_USER_INPUT", "providedOldPassword"),  # a password change needs it
        ("BAD_USER_INPUT", "providedNewPassword"),
    ]
    stored = await User.get(id=ann.id)
    assert (stored.user_name, stored.first_name, stored.token_version) == ("ann", "Ann", ann.token_version)


async def test_a_bad_email_with_the_old_password_is_not_taken_for_a_password_change(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    """providedOldPassword alone goes with an email change: an email that breaks its rule is all to report."""
    ann = (await register(settings, throttle, "ann", email="ann@example.com")).user

    with pytest.raises(AccountError) as error:
        await profile.update_user(
            actor=ann,
            changes={"email": "nope"},
            settings=settings,
            throttle=throttle,
            client=CLIENT,
            old_password=PASSWORD,
        )

    refused(error, InvalidInput, "email")


async def test_the_current_password_is_verified_only_once_every_field_passes(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user

    with pytest.raises(AccountError) as with_bad_field:
        await profile.update_user(
            actor=ann,
            changes={"bio": "b" * 201},
            settings=settings,
            throttle=throttle,
            client=CLIENT,
            old_password="wrong password",
            new_password="n3w passphrase",
        )
    refused(with_bad_field, InvalidInput, "bio")
    assert await SecurityEvent.filter(user_id=ann.id, kind="LOGIN_FAILED").count() == 0

    with pytest.raises(AccountError) as alone:
        await profile.update_user(
            actor=ann,
            changes={"bio": "fine"},
            settings=settings,
            throttle=throttle,
            client=CLIENT,
            old_password="wrong password",
            new_password="n3w passphrase",
        )
    refused(alone, InvalidInput, "providedOldPassword")
    assert await SecurityEvent.filter(user_id=ann.id, kind="LOGIN_FAILED").count() == 1
