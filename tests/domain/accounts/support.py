"""What the account tests share: the caller, the password, and reading the mails the outbox holds."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from models import OutboxMail, User
from services.accounts import profile, registration
from services.client import Client
from services.errors import AccountError
from services.identity.sign_in import SignedIn
from services.throttle import Throttle
from settings import Settings

PASSWORD = "secure_password123"
CLIENT = Client("203.0.113.7", "pytest")


async def register(settings: Settings, throttle: Throttle, user_name: str = "john_doe", **fields: str) -> SignedIn:
    """Register ``user_name`` from ``CLIENT`` (the ``register`` fixture registers each from its own address)."""
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


async def mails(template: str, to: str | None = None) -> list[dict[str, Any]]:
    """The data of the queued mails of ``template`` (to ``to``), oldest first."""
    rows = OutboxMail.filter(template=template).order_by("id")
    if to is not None:
        rows = rows.filter(recipient=to)
    return [json.loads(row.data) for row in await rows]


async def token(template: str, to: str) -> str:
    """The token of the newest ``template`` mail to ``to``."""
    queued = await mails(template, to)
    assert queued, f"no {template} mail to {to}"
    return str(queued[-1]["token"])
