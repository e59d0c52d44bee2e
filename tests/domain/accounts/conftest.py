"""Fixtures for the account services: users registered through the service, as the app registers them."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

import pytest

from services.accounts import registration
from services.client import Client
from services.identity.sign_in import SignedIn
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import PASSWORD

Register = Callable[..., Awaitable[SignedIn]]


@pytest.fixture
def register(db: str, settings: Settings, throttle: Throttle) -> Register:
    """Register ``user_name`` (each from its own address, so no registration limit is reached) with ``fields``."""
    addresses = itertools.count(1)

    async def make(user_name: str = "ann", **fields: str) -> SignedIn:
        client = Client(f"198.51.100.{next(addresses)}", "pytest")
        return await registration.register(
            user_name=user_name, password=PASSWORD, settings=settings, throttle=throttle, client=client, **fields
        )

    return make
