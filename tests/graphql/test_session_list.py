"""The caller's sessions: listed, ended one by one; an ended session's access tokens are refused at once."""

from __future__ import annotations

from ipaddress import ip_network

import httpx

from main import create_app
from settings import Settings
from tests.support import LOGOUT, LOGOUT_ALL, PASSWORD, REFRESH, Api, replace

SESSIONS = "query Sessions { sessions { id createdAt lastUsedAt userAgent ipAddress current } }"
REVOKE_SESSION = "mutation RevokeSession($id: ID!) { revokeSession(id: $id) }"


async def _sessions(api: Api, token: str) -> list[dict[str, object]]:
    result = await api.execute(SESSIONS, token=token)
    assert not result.errors, result.body
    return list(result.data["sessions"])


async def _login_as(api: Api, user_agent: str) -> dict[str, str]:
    response = await api.client.post(
        "/graphql",
        json={
            "query": "mutation($u: String!, $p: String!) { login(userName: $u, password: $p) "
            "{ accessToken refreshToken } }",
            "variables": {"u": "john_doe", "p": PASSWORD},
        },
        headers={"User-Agent": user_agent},
    )
    return dict(response.json()["data"]["login"])


async def test_sessions_lists_live_sessions_newest_first_and_marks_the_current_one(api: Api) -> None:
    account = await api.register()
    phone = await _login_as(api, "Phone/1.0")
    laptop = await _login_as(api, "Laptop/2.0")

    listed = await _sessions(api, phone["accessToken"])

    assert [s["userAgent"] for s in listed] == ["Laptop/2.0", "Phone/1.0", "python-httpx/" + httpx.__version__]
    assert [s["current"] for s in listed] == [False, True, False]
    assert all(s["ipAddress"] == "127.0.0.1" for s in listed)
    assert len({s["id"] for s in listed}) == 3
    on_laptop = await _sessions(api, laptop["accessToken"])
    assert [s["current"] for s in on_laptop] == [True, False, False]
    assert (await api.execute(LOGOUT, {"refreshToken": account.refresh_token})).data == {"logout": True}
    assert len(await _sessions(api, laptop["accessToken"])) == 2


async def test_a_long_user_agent_is_cut_to_256_characters(api: Api) -> None:
    await api.register()
    session = await _login_as(api, "A" * 1000)

    listed = await _sessions(api, session["accessToken"])

    assert listed[0]["userAgent"] == "A" * 256


async def test_a_refresh_moves_last_used_at_and_keeps_the_session(api: Api) -> None:
    account = await api.register()
    before = await _sessions(api, account.token)

    renewed = (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).data["refreshToken"]

    after = await _sessions(api, renewed["accessToken"])
    assert [s["id"] for s in after] == [s["id"] for s in before]
    assert after[0]["current"] is True
    assert str(after[0]["lastUsedAt"]) >= str(before[0]["lastUsedAt"])
    assert after[0]["createdAt"] == before[0]["createdAt"]


async def test_revoke_session_refuses_its_access_and_refresh_tokens_on_the_next_request(api: Api) -> None:
    account = await api.register()
    phone = await _login_as(api, "Phone/1.0")
    phone_id = next(s["id"] for s in await _sessions(api, phone["accessToken"]) if s["current"])

    result = await api.execute(REVOKE_SESSION, {"id": phone_id}, token=account.token)

    assert result.body == {"data": {"revokeSession": True}}
    assert (await api.me(phone["accessToken"])).code == "UNAUTHENTICATED"
    assert (await api.execute(REFRESH, {"refreshToken": phone["refreshToken"]})).code == "UNAUTHENTICATED"
    assert (await api.me(account.token)).data["me"]["userName"] == "john_doe"  # the other session lives on
    assert [s["id"] for s in await _sessions(api, account.token)] != [phone_id]


async def test_revoking_the_current_session_ends_the_caller_too(api: Api) -> None:
    account = await api.register()
    own = (await _sessions(api, account.token))[0]["id"]

    assert (await api.execute(REVOKE_SESSION, {"id": own}, token=account.token)).data == {"revokeSession": True}

    assert (await api.me(account.token)).code == "UNAUTHENTICATED"


async def test_another_users_session_or_an_unknown_one_is_not_found(api: Api) -> None:
    mine = await api.register()
    theirs = await api.register("jane")
    their_session = (await _sessions(api, theirs.token))[0]["id"]

    for session_id in (their_session, "0" * 32):  # malformed ids: test_bad_input.py
        result = await api.execute(REVOKE_SESSION, {"id": session_id}, token=mine.token)
        assert (result.code, result.field) == ("NOT_FOUND", "id"), result.body
    assert (await api.me(theirs.token)).data["me"]["userName"] == "jane"


async def test_a_revoked_session_cannot_be_revoked_twice(api: Api) -> None:
    account = await api.register()
    other = await _login_as(api, "Other/1")
    other_id = next(s["id"] for s in await _sessions(api, other["accessToken"]) if s["current"])
    await api.execute(REVOKE_SESSION, {"id": other_id}, token=account.token)

    again = await api.execute(REVOKE_SESSION, {"id": other_id}, token=account.token)

    assert again.code == "NOT_FOUND"


async def test_logout_refuses_the_sessions_access_token_at_once(api: Api) -> None:
    account = await api.register()
    other = await _login_as(api, "Other/1")

    await api.execute(LOGOUT, {"refreshToken": account.refresh_token})

    assert (await api.me(account.token)).code == "UNAUTHENTICATED"
    assert not (await api.me(other["accessToken"])).errors


async def test_logout_all_and_a_password_change_empty_the_list(api: Api) -> None:
    account = await api.register()
    await _login_as(api, "Other/1")
    await api.execute(LOGOUT_ALL, token=account.token)
    fresh = await _login_as(api, "Fresh/1")
    assert len(await _sessions(api, fresh["accessToken"])) == 1

    changed = await api.execute(
        "mutation($i: UpdateUserInput!) { updateProfile(input: $i) { userName } }",
        {"i": {"providedOldPassword": PASSWORD, "providedNewPassword": "a-brand-new-passphrase"}},
        token=fresh["accessToken"],
    )

    assert not changed.errors, changed.body
    assert (await api.execute(SESSIONS, token=fresh["accessToken"])).code == "UNAUTHENTICATED"


async def test_sessions_and_revoke_session_need_a_token(api: Api) -> None:
    assert (await api.execute(SESSIONS)).code == "UNAUTHENTICATED"
    assert (await api.execute(REVOKE_SESSION, {"id": "0" * 32})).code == "UNAUTHENTICATED"


async def test_the_address_follows_trusted_proxies(db: str, settings: Settings) -> None:
    behind_proxy = replace(settings, trusted_proxies=(ip_network("127.0.0.1/32"),))
    transport = httpx.ASGITransport(app=create_app(behind_proxy))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = Api(client, backend=db)
        account = await api.register()
        response = await client.post(
            "/graphql",
            json={"query": SESSIONS},
            headers={"Authorization": f"Bearer {account.token}", "X-Forwarded-For": "203.0.113.7"},
        )
        assert response.json()["data"]["sessions"][0]["ipAddress"] == "127.0.0.1"  # registered directly
        login = await client.post(
            "/graphql",
            json={
                "query": "mutation($u: String!, $p: String!) { login(userName: $u, password: $p) { accessToken } }",
                "variables": {"u": "john_doe", "p": PASSWORD},
            },
            headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"},
        )
        token = login.json()["data"]["login"]["accessToken"]

        listed = await _sessions(api, token)

    assert listed[0]["ipAddress"] == "203.0.113.7"
