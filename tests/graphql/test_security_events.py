"""The caller's security history: what is recorded, with which client, listed newest first, pruned."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import httpx
import pytest

from main import create_app
from models import SecurityEvent, User
from schema.security import SecurityEventKind
from services import audit, maintenance
from services.audit import LOG_ONLY
from services.client import Client
from services.identity import two_factor
from services.security_events import Kind
from settings import Settings
from tests.graphql.test_admin import admin
from tests.graphql.test_lifecycle import SUSPEND, UNSUSPEND
from tests.graphql.test_password_reset import REQUEST_RESET
from tests.graphql.test_recent_sign_in import signed_in_long_ago
from tests.graphql.test_two_factor import DISABLE, REGENERATE, enable, login
from tests.support import LOGOUT, LOGOUT_ALL, PASSWORD, REFRESH, Api, replace, resolve_reset_requests
from tests.support.refresh import after_the_reuse_grace

EVENTS = """
query Events($first: Int, $after: String) {
  securityEvents(first: $first, after: $after) {
    edges { cursor node { kind at ipAddress userAgent } }
    pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
  }
}"""
REVOKE_SESSION = "mutation RevokeSession($id: ID!) { revokeSession(id: $id) }"
SESSIONS = "query { sessions { id current } }"


async def _kinds(api: Api, token: str) -> list[str]:
    result = await api.execute(EVENTS, {"first": 100}, token=token)
    assert not result.errors, result.body
    return [edge["node"]["kind"] for edge in result.data["securityEvents"]["edges"]]


async def test_sign_ins_changes_and_logouts_are_recorded_newest_first(api: Api) -> None:
    account = await api.register(email="john@example.com")
    await api.login("john_doe", "a-wrong-password")
    second = (await api.login("john_doe")).data["login"]
    third = (await api.login("john_doe")).data["login"]
    await api.update_user(account, email="johnny@example.com")
    await api.update_user(account, email="johnny@example.com")  # unchanged: no event
    third_id = next(
        s["id"] for s in (await api.execute(SESSIONS, token=third["accessToken"])).data["sessions"] if s["current"]
    )
    await api.execute(REVOKE_SESSION, {"id": third_id}, token=account.token)
    await api.execute(LOGOUT, {"refreshToken": second["refreshToken"]})
    changed = await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="another-passphrase")
    assert not changed.errors, changed.body
    fresh = (await api.login("john_doe", "another-passphrase")).data["login"]["accessToken"]
    await api.execute(LOGOUT_ALL, token=fresh)
    last = (await api.login("john_doe", "another-passphrase")).data["login"]["accessToken"]

    assert await _kinds(api, last) == [
        "LOGIN",
        "LOGOUT",
        "LOGIN",
        "PASSWORD_CHANGED",
        "LOGOUT",
        "SESSION_REVOKED",
        "EMAIL_CHANGED",
        "LOGIN",
        "LOGIN",
        "LOGIN_FAILED",
    ]


async def test_an_event_carries_time_address_and_user_agent(api: Api) -> None:
    await api.register()
    before = datetime.now(UTC) - timedelta(seconds=5)
    response = await api.client.post(
        "/graphql",
        json={
            "query": "mutation($u: String!, $p: String!) { login(userName: $u, password: $p) { accessToken } }",
            "variables": {"u": "john_doe", "p": PASSWORD},
        },
        headers={"User-Agent": "Phone/" + "9" * 400},
    )
    token = response.json()["data"]["login"]["accessToken"]

    node = (await api.execute(EVENTS, token=token)).data["securityEvents"]["edges"][0]["node"]

    assert node["kind"] == "LOGIN"
    assert node["ipAddress"] == "127.0.0.1"
    assert node["userAgent"] == ("Phone/" + "9" * 400)[:256]
    assert before <= datetime.fromisoformat(node["at"]) <= datetime.now(UTC) + timedelta(seconds=5)


async def test_a_failed_login_of_an_unknown_name_writes_no_row(api: Api) -> None:
    await api.register()

    assert (await api.login("nobody_here", "whatever-password")).code == "UNAUTHENTICATED"
    assert (await api.login("nobody@example.com", "whatever-password")).code == "UNAUTHENTICATED"

    assert await SecurityEvent.all().count() == 0


async def test_events_are_the_callers_own(api: Api) -> None:
    john = await api.register()
    jane = await api.register("jane")
    await api.login("jane")
    await api.login("jane", "wrong-password-1")

    assert await _kinds(api, john.token) == []
    assert await _kinds(api, jane.token) == ["LOGIN_FAILED", "LOGIN"]


async def test_pages_follow_the_cursor_without_gaps_or_repeats(api: Api) -> None:
    account = await api.register()
    for _ in range(5):
        await api.login("john_doe", "wrong-password-1")

    seen: list[str] = []
    after = None
    pages = []
    while True:
        result = await api.execute(EVENTS, {"first": 2, "after": after}, token=account.token)
        connection = result.data["securityEvents"]
        pages.append(len(connection["edges"]))
        seen += [edge["cursor"] for edge in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    assert pages == [2, 2, 1]
    assert len(set(seen)) == 5


async def test_bad_first_and_after_are_bad_user_input(api: Api) -> None:
    account = await api.register()

    for variables, field in (({"first": 0}, "first"), ({"first": 101}, "first"), ({"after": "nonsense"}, "after")):
        result = await api.execute(EVENTS, variables, token=account.token)
        assert (result.code, result.field) == ("BAD_USER_INPUT", field), result.body
    assert (await api.execute(EVENTS)).code == "UNAUTHENTICATED"


async def test_events_older_than_security_event_days_are_pruned(api: Api, settings: Settings) -> None:
    account = await api.register()
    await api.login("john_doe", "wrong-password-1")
    user_id = int(account.user["userID"])
    now = datetime.now(UTC)
    for days in (91, 200):
        await SecurityEvent.create(user_id=user_id, kind="LOGIN", at=now - timedelta(days=days))
    await SecurityEvent.create(user_id=user_id, kind="LOGOUT", at=now - timedelta(days=89))

    purged = await maintenance.run_once(replace(settings, security_event_days=90))

    assert purged.security_events == 2
    assert sorted(await _kinds(api, account.token)) == ["LOGIN_FAILED", "LOGOUT"]  # the 89-day-old one stays


async def test_event_addresses_follow_trusted_proxies(db: str, settings: Settings) -> None:
    behind_proxy = replace(settings, trusted_proxies=(ip_network("127.0.0.1/32"),))
    transport = httpx.ASGITransport(app=create_app(behind_proxy))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = Api(client, backend=db)
        account = await api.register()
        await client.post(
            "/graphql",
            json={
                "query": "mutation($u: String!, $p: String!) { login(userName: $u, password: $p) { accessToken } }",
                "variables": {"u": "john_doe", "p": "wrong-password-1"},
            },
            headers={"X-Forwarded-For": "203.0.113.9"},
        )

        node = (await api.execute(EVENTS, token=account.token)).data["securityEvents"]["edges"][0]["node"]

    assert (node["kind"], node["ipAddress"]) == ("LOGIN_FAILED", "203.0.113.9")


async def test_two_factor_events_are_in_the_history(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)
    assert (await login(api, "john_doe", state.wrong_code())).code == "UNAUTHENTICATED"
    recovered = await login(api, "john_doe", state.recovery_codes[0])
    token = recovered.data["login"]["accessToken"]
    fresh = await api.execute(REGENERATE, {"password": PASSWORD, "code": state.code(+1)}, token=token)
    codes = fresh.data["regenerateRecoveryCodes"]
    disabled = await api.execute(DISABLE, {"password": PASSWORD, "code": codes[0]}, token=token)
    assert disabled.data == {"disableTwoFactor": True}, disabled.body
    again = await enable(api, dataclasses.replace(account, token=token))
    await two_factor.disable_by_operator(user_name="john_doe")  # what `python main.py disable-2fa` runs
    assert again.recovery_codes
    last = (await api.login("john_doe")).data["login"]["accessToken"]  # the operator's command ended every session

    assert await _kinds(api, last) == [
        "LOGIN",
        "TWO_FACTOR_DISABLED",  # by the operator
        "TWO_FACTOR_ENABLED",
        "TWO_FACTOR_DISABLED",
        "RECOVERY_CODE_USED",  # the code that turned it off
        "RECOVERY_CODES_REGENERATED",
        "LOGIN",
        "RECOVERY_CODE_USED",
        "LOGIN_FAILED",  # a wrong code
        "TWO_FACTOR_ENABLED",
    ]


async def test_every_security_log_line_of_an_account_is_a_row_of_its_history(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """One trail: each app.security line about an existing account has its row, of the kind the line names."""
    caplog.set_level(logging.INFO, logger="app.security")
    account = await api.register(email="john@example.com")
    await api.login("john_doe", "a-wrong-password")
    session = (await api.login("john_doe")).data["login"]
    assert (await api.execute(REFRESH, {"refreshToken": session["refreshToken"]})).data
    await after_the_reuse_grace()
    assert (await api.execute(REFRESH, {"refreshToken": session["refreshToken"]})).code == "UNAUTHENTICATED"
    await api.update_user(account, email="johnny@example.com")
    stale = await api.execute(
        "mutation($email: String!) { updateProfile(input: {email: $email}) { userName } }",
        {"email": "j@example.com"},
        token=signed_in_long_ago(account.token, settings),
    )
    assert stale.code == "FORBIDDEN", stale.body
    await api.execute(REQUEST_RESET, {"email": "johnny@example.com"})
    await api.execute(REQUEST_RESET, {"email": "nobody@example.com"})  # no account: the log line only
    await resolve_reset_requests(settings)  # the mail sender's part
    state = await enable(api, account)
    await login(api, "john_doe", state.wrong_code())
    await login(api, "john_doe", state.recovery_codes[0])
    admin_account = await admin(api)
    await api.execute(SUSPEND, {"userName": "john_doe", "reason": "spam"}, token=admin_account.token)
    await api.execute(UNSUSPEND, {"userName": "john_doe"}, token=admin_account.token)
    await api.login("nobody", "a-wrong-password")  # no account: the log line only

    lines = [record.security for record in caplog.records if hasattr(record, "security")]  # type: ignore[attr-defined]
    john = await User.get(user_name_key="john_doe")
    of_john = [line["event"] for line in lines if line["user_id"] == john.id]
    rows = [row.kind for row in await SecurityEvent.filter(user_id=john.id).order_by("id")]
    renamed = {"password_reset": "PASSWORD_CHANGED", "logout_all": "LOGOUT"}
    assert [renamed.get(event, event.upper()) for event in of_john if event not in LOG_ONLY] == rows
    assert {"REFRESH_TOKEN_REUSED", "RECENT_SIGN_IN_REQUIRED", "PASSWORD_RESET_REQUESTED"} <= set(rows)
    assert {"TWO_FACTOR_ENABLED", "RECOVERY_CODE_USED", "ACCOUNT_SUSPENDED", "ACCOUNT_UNSUSPENDED"} <= set(rows)
    unknown = [line["event"] for line in lines if line["user_id"] is None]
    assert {"login_failed", "password_reset_unknown_address"} <= set(unknown)
    assert "registered" in [line["event"] for line in lines if line["user_id"] == john.id]


async def test_every_kind_is_logged_and_stored_by_one_call(db: str, settings: Settings) -> None:
    john = await User.create(user_name="john", user_name_key="john", password_hash="x")

    for kind in Kind:
        await audit.record(kind, user_id=john.id, client=Client("203.0.113.7", "Phone/1"))
    await audit.record(Kind.LOGIN_FAILED, user_id=None, client=Client("203.0.113.7"))  # a name no one holds

    rows = await SecurityEvent.filter(user_id=john.id).order_by("id")
    assert [row.kind for row in rows] == [kind.value for kind in Kind]
    assert {(row.ip_address, row.user_agent) for row in rows} == {("203.0.113.7", "Phone/1")}
    assert [kind.value for kind in Kind] == [value.name for value in SecurityEventKind]  # the schema's enum
    assert await SecurityEvent.all().count() == len(Kind)
