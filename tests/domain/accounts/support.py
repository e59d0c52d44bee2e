"""What the account tests share: the caller, the password, and reading the mails the outbox holds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from models import OutboxMail
from services.client import Client
from services.errors import AccountError

PASSWORD = "secure_password123"
CLIENT = Client("203.0.113.7", "pytest")


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
