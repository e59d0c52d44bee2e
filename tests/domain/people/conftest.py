"""Fixtures for the people tests: users registered through the service, as the app registers them."""

from __future__ import annotations

import itertools

import pytest

from models import User, UserProfile
from services.accounts import registration
from services.client import Client
from services.people import lookup
from services.throttle import Throttle
from settings import Settings
from tests.domain.people.support import PASSWORD, MakeUser


@pytest.fixture
def make_user(db: str, settings: Settings, throttle: Throttle) -> MakeUser:
    """Register a user (each from its own address, so no registration limit is reached), optionally with a
    private account or as an admin; returns it as read back, with its profile."""
    addresses = itertools.count(1)

    async def make(user_name: str, *, private: bool = False, admin: bool = False, **fields: str) -> User:
        signed_in = await registration.register(
            user_name=user_name,
            password=PASSWORD,
            settings=settings,
            throttle=throttle,
            client=Client(f"198.51.100.{next(addresses)}"),
            **fields,
        )
        if private:
            await UserProfile.filter(user_id=signed_in.user.id).update(account_privacy=True)
        if admin:
            await User.filter(id=signed_in.user.id).update(is_admin=True)
        user = await lookup.by_id(signed_in.user.id)
        assert user is not None
        return user

    return make
