"""Webhook events of the identity services called directly: an account a provider's first sign-in makes is
user.created, a first password and two-factor sign-in turned on or off are user.updated (GraphQL-level
events: tests/graphql/test_webhook_events.py)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from models import WebhookEvent
from schema.nodes import global_id
from services.client import Client
from services.errors import Conflict, InvalidInput
from services.identity import provider_accounts, sign_in, two_factor
from services.identity.provider_accounts import ProviderRefused
from services.identity.provider_client import Identity
from services.throttle import Throttle
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser
from tests.domain.identity.test_two_factor import enable

CLIENT = Client("127.0.0.1")
NOW = time.time()  # a session that signed in just now


async def _events() -> list[tuple[str, dict[str, Any]]]:
    return [(event.type, json.loads(event.data)) for event in await WebhookEvent.all().order_by("id")]


def ref(user_id: int, user_name: str) -> dict[str, str]:
    return {"id": str(global_id("User", user_id)), "userName": user_name}


async def test_a_providers_first_sign_in_creates_the_account_once(new_user: NewUser, settings: Settings) -> None:
    identity = Identity("s1", preferred_username="sam", email="sam@example.com", email_verified=True)
    await new_user("ann", email="ann@example.com")

    made = await provider_accounts.account_for("one", identity, client=CLIENT, settings=settings)
    again = await provider_accounts.account_for("one", identity, client=CLIENT, settings=settings)  # signs in
    with pytest.raises(ProviderRefused):  # an address another account has: no account is made
        await provider_accounts.account_for(
            "one", Identity("s2", email="ann@example.com"), client=CLIENT, settings=settings
        )

    assert again.id == made.id
    assert await _events() == [("user.created", {"user": ref(made.id, "sam")})]


async def test_a_first_password_is_an_update_naming_the_password(db: str, settings: Settings) -> None:
    user = await provider_accounts.account_for(
        "one", Identity("s9", preferred_username="sam"), client=CLIENT, settings=settings
    )
    await WebhookEvent.all().delete()

    with pytest.raises(InvalidInput):
        await provider_accounts.set_first_password(user, "sam", settings=settings, client=CLIENT, signed_in_at=NOW)
    await provider_accounts.set_first_password(user, PASSWORD, settings=settings, client=CLIENT, signed_in_at=NOW)
    with pytest.raises(Conflict):
        await provider_accounts.set_first_password(
            user, PASSWORD + "!", settings=settings, client=CLIENT, signed_in_at=NOW
        )

    assert await _events() == [("user.updated", {"user": ref(user.id, "sam"), "changed": ["password"]})]


async def test_two_factor_on_and_off_is_an_update_and_ends_the_sessions(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user("ann")
    await sign_in.login(user_name="ann", password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT)

    secret, codes = await enable(user, settings, throttle)
    on = await _events()
    await WebhookEvent.all().delete()
    await two_factor.disable_by_operator(user_name="ann")
    off = await _events()

    changed = ("user.updated", {"user": ref(user.id, "ann"), "changed": ["twoFactorEnabled"]})
    assert [event for event in on if event[0] != "session.revoked"] == [changed]
    assert [data["reason"] for kind, data in on if kind == "session.revoked"] == ["SESSION_ENDED"]
    assert off == [changed]  # the sessions ended already when it was turned on
    for text in (json.dumps(on), json.dumps(off)):
        assert secret not in text and not any(code in text for code in codes)
