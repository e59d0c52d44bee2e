"""User lookups (services.people.lookup, lists, directory) and the visibility rule (services.people.visibility),
without HTTP."""

from __future__ import annotations

import pytest

from models import User
from services.accounts import registration
from services.errors import InvalidInput
from services.people import lookup
from services.people.visibility import may_see_private
from services.throttle import Throttle
from settings import Settings

PASSWORD = "secure_password123"


async def register(settings: Settings, throttle: Throttle, user_name: str, email: str | None = None) -> User:
    signed_in = await registration.register(
        user_name=user_name, password=PASSWORD, email=email, settings=settings, throttle=throttle, address="192.0.2.1"
    )
    return signed_in.user


async def test_lookups_by_id_name_and_login_key_find_the_user_with_its_profile(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = await register(settings, throttle, "Ann.Lee", email="Ann@Example.com")

    found = [
        await lookup.by_id(ann.id),
        await lookup.by_name("ann.lee"),
        await lookup.by_name("ANN.LEE"),
        await lookup.by_login_key(lookup.login_key("aNN.lee")),
        await lookup.by_login_key(lookup.login_key("ann@EXAMPLE.com")),
    ]

    for user in found:
        assert user is not None and (user.id, user.user_name) == (ann.id, "Ann.Lee")
        assert user.profile.verified is False  # loaded with the user, no second query needed


async def test_lookups_of_nobody_find_nothing(db: str, settings: Settings, throttle: Throttle) -> None:
    await register(settings, throttle, "ann")

    assert await lookup.by_id(10**9) is None
    assert await lookup.by_name("bob") is None
    assert await lookup.by_login_key(lookup.login_key("bob@example.com")) is None
    assert await lookup.by_login_key(lookup.login_key("x" * 1000)) is None  # longer than any stored name


@pytest.mark.parametrize("name", ["", "john doe", "ann;--", "x" * 26])
async def test_a_name_no_one_could_hold_is_bad_input(db: str, name: str) -> None:
    with pytest.raises(InvalidInput) as error:
        await lookup.by_name(name)

    assert error.value.field == "userName"


async def test_the_owner_and_admins_see_private_fields_and_no_one_else(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = await register(settings, throttle, "ann")
    bob = await register(settings, throttle, "bob")
    admin = await registration.grant_admin((await register(settings, throttle, "root")).user_name)

    assert may_see_private(ann, ann.id) is True
    assert may_see_private(admin, ann.id) is True
    assert may_see_private(bob, ann.id) is False
    assert may_see_private(None, ann.id) is False
