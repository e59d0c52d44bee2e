"""The caller's security history: what is recorded, with which client, listed newest first, pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import httpx

from main import create_app
from models import SecurityEvent
from services import maintenance
from settings import Settings
from tests.support import LOGOUT, LOGOUT_ALL, PASSWORD, Api, replace

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
