"""Fixtures for the identity services: a user with a known password, stored as registration stores one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from models import User
from services.accounts.validation import email_key, user_name_key
from services.identity import passwords
from services.people import lookup
from settings import Settings

PASSWORD = "secure_password123"

NewUser = Callable[..., Awaitable[User]]


@pytest.fixture
def new_user(db: str, settings: Settings) -> NewUser:
    """Make a user named ``user_name`` whose password is ``password``; returns it as the services read it."""

    async def make(user_name: str = "ann", password: str = PASSWORD, email: str | None = None) -> User:
        created = await User.create(
            user_name=user_name,
            user_name_key=user_name_key(user_name),
            email=email,
            email_key=email_key(email) if email else None,
            password_hash=await passwords.hash_password(password, rounds=settings.bcrypt_rounds),
        )
        found = await lookup.by_id(created.id)
        assert found is not None
        return found

    return make
