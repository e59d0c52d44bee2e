"""The one audit trail (services.audit's docstring, README Security and Logs): an event of a Kind for a known
account is one row of its history and one ``app.security`` log line; anything else is the log line only."""

from __future__ import annotations

import logging

import pytest

from models import SecurityEvent, User
from services import audit
from services.client import Client
from services.security_events import Kind

ADDRESS = "192.0.2.1"
CLIENT = Client(ADDRESS, "pytest")


async def _user() -> User:
    return await User.create(user_name="ann", user_name_key="ann", password_hash="x")


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [record.security for record in caplog.records if record.name == "app.security"]  # type: ignore[attr-defined]


async def test_an_event_of_an_account_is_a_row_and_a_log_line(db: str, caplog: pytest.LogCaptureFixture) -> None:
    user = await _user()
    caplog.set_level(logging.INFO, "app.security")

    await audit.record(Kind.LOGIN_FAILED, user_id=user.id, factor="otp", client=CLIENT)

    row = await SecurityEvent.get(user_id=user.id)
    assert (row.kind, row.ip_address, row.user_agent) == ("LOGIN_FAILED", ADDRESS, "pytest")
    assert lines(caplog) == [{"event": "login_failed", "user_id": user.id, "address": ADDRESS, "factor": "otp"}]


async def test_the_log_line_may_be_named_otherwise_than_the_kind(db: str, caplog: pytest.LogCaptureFixture) -> None:
    user = await _user()
    caplog.set_level(logging.INFO, "app.security")

    await audit.record(Kind.PASSWORD_CHANGED, user_id=user.id, event="password_reset", client=CLIENT)

    assert (await SecurityEvent.get(user_id=user.id)).kind == "PASSWORD_CHANGED"
    assert [line["event"] for line in lines(caplog)] == ["password_reset"]


@pytest.mark.parametrize(
    ("kind", "known"),
    [pytest.param(audit.REGISTERED, True, id="log-only-name"), pytest.param(Kind.LOGIN_FAILED, False, id="no-account")],
)
async def test_what_is_no_accounts_history_is_the_log_line_only(
    db: str, caplog: pytest.LogCaptureFixture, kind: Kind | str, known: bool
) -> None:
    user = await _user()
    caplog.set_level(logging.INFO, "app.security")

    await audit.record(kind, user_id=user.id if known else None, client=CLIENT)

    assert not await SecurityEvent.all().exists()
    assert len(lines(caplog)) == 1


async def test_an_event_of_a_user_deleted_meanwhile_is_logged_and_stores_nothing(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    user = await _user()
    await User.filter(id=user.id).delete()
    caplog.set_level(logging.INFO, "app.security")

    await audit.record(Kind.LOGOUT, user_id=user.id, client=CLIENT)

    assert not await SecurityEvent.all().exists()
    assert len(lines(caplog)) == 1


async def test_a_long_user_agent_is_cut_to_the_column(db: str) -> None:
    user = await _user()

    await audit.record(Kind.LOGIN, user_id=user.id, client=Client(ADDRESS, "a" * 10_000))

    stored = (await SecurityEvent.get(user_id=user.id)).user_agent
    assert stored is not None and 0 < len(stored) < 10_000 and set(stored) == {"a"}
