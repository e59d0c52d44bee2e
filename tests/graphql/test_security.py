"""Password policy, integrity under concurrency, and the security log."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tortoise import Tortoise

from tests.support import DELETE_USER, LOGOUT_ALL, PASSWORD, REGISTER, Api


@pytest.mark.parametrize(
    ("password", "reason"),
    [("password", "common"), ("qwertyuiop", "common"), ("Iloveyou1", "common"), ("John_Doe", "user name")],
)
async def test_register_refuses_common_passwords_and_the_user_name(api: Api, password: str, reason: str) -> None:
    result = await api.execute(REGISTER, {"input": {"userName": "john_doe", "password": password}})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")
    assert reason in result.error["message"]


async def test_register_refuses_the_email_as_password(api: Api) -> None:
    variables = {"input": {"userName": "john_doe", "password": "John@Example.com", "email": "john@example.com"}}

    result = await api.execute(REGISTER, variables)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")


async def test_password_change_follows_the_same_policy(api: Api) -> None:
    account = await api.register(email="john@example.com")

    common = await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="password1")
    own_name = await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="JOHN_DOE")
    new_name = await api.update_user(
        account, userName="johnny_d", providedOldPassword=PASSWORD, providedNewPassword="johnny_d"
    )

    assert {(r.code, r.field) for r in (common, own_name, new_name)} == {("BAD_USER_INPUT", "providedNewPassword")}
    assert not (await api.login("john_doe")).errors  # nothing changed


async def test_twenty_concurrent_registrations_of_one_name_make_one_user(api: Api) -> None:
    variables = [
        {"input": {"userName": "racer", "password": PASSWORD, "email": f"r{i}@example.com"}} for i in range(20)
    ]

    results = await asyncio.gather(*(api.execute(REGISTER, v) for v in variables))

    assert sum(not r.errors for r in results) == 1
    assert {(r.code, r.field) for r in results if r.errors} == {("CONFLICT", "userName")}


async def test_twenty_concurrent_registrations_of_one_email_make_one_user(api: Api) -> None:
    variables = [
        {"input": {"userName": f"racer{i}", "password": PASSWORD, "email": "Racer@Example.com"}} for i in range(20)
    ]

    results = await asyncio.gather(*(api.execute(REGISTER, v) for v in variables))

    assert sum(not r.errors for r in results) == 1
    assert {(r.code, r.field) for r in results if r.errors} == {("CONFLICT", "email")}


async def test_delete_racing_an_update_leaves_no_orphan_and_no_500(api: Api) -> None:
    for round_ in range(5):
        account = await api.register(f"racer{round_}")

        deleted, updated = await asyncio.gather(
            api.execute(DELETE_USER, {"userName": account.name}, token=account.token),
            api.update_user(account, bio="still here?", website="https://example.com"),
        )

        assert not deleted.errors
        assert updated.errors == [] or updated.code in {"UNAUTHENTICATED", "NOT_FOUND"}
    db = Tortoise.get_connection(api.backend)
    _, orphans = await db.execute_query(
        "SELECT COUNT(*) AS n FROM user_profiles p LEFT JOIN users u ON u.id = p.user_id WHERE u.id IS NULL"
    )
    assert orphans[0]["n"] == 0


async def test_security_events_are_logged_without_secrets(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.security"):
        account = await api.register()
        await api.login("john_doe", "wrong-password-123")
        await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="a-brand-new-passphrase")
        fresh = (await api.login("john_doe", "a-brand-new-passphrase")).data["login"]
        await api.execute(LOGOUT_ALL, token=fresh["accessToken"])
        again = (await api.login("john_doe", "a-brand-new-passphrase")).data["login"]
        await api.execute(DELETE_USER, {"userName": "john_doe"}, token=again["accessToken"])

    events = [record.security for record in caplog.records if hasattr(record, "security")]  # type: ignore[attr-defined]
    user_id = int(account.user["userID"])
    assert [e["event"] for e in events] == [
        "registered",
        "login_failed",
        "password_changed",
        "login",
        "logout_all",
        "login",
        "account_deleted",
    ]
    assert all(e["user_id"] == user_id and e["address"] == "127.0.0.1" for e in events)
    text = caplog.text
    for secret in (PASSWORD, "wrong-password-123", "a-brand-new-passphrase", account.token, account.refresh_token):
        assert secret not in text
