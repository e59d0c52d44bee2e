"""Passkeys through the GraphQL door (README, Passkeys): the JSON options a browser takes, the JSON it answers
with (from our software authenticator), the same payload as login, the sessions list saying how each session
signed in, and a stable code and reason for each refusal."""

from __future__ import annotations

import json
from typing import Any

import httpx

from main import create_app
from models import User
from settings import Settings
from tests.graphql.test_recent_sign_in import signed_in_long_ago
from tests.support import Api, replace
from tests.support.authenticator import SoftAuthenticator

BEGIN_REGISTRATION = "mutation Begin { beginPasskeyRegistration }"
FINISH_REGISTRATION = """mutation Finish($credential: String!, $name: String) {
  finishPasskeyRegistration(credential: $credential, name: $name) { id name createdAt lastUsedAt backedUp }
}"""
BEGIN_LOGIN = "mutation BeginLogin($userName: String) { beginPasskeyLogin(userName: $userName) }"
FINISH_LOGIN = """mutation FinishLogin($credential: String!) {
  finishPasskeyLogin(credential: $credential) { accessToken tokenType refreshToken user { userName } }
}"""
PASSKEYS = "query Passkeys { passkeys { id name lastUsedAt } }"
RENAME = "mutation Rename($id: ID!, $name: String!) { renamePasskey(id: $id, name: $name) { id name } }"
DELETE = "mutation Delete($id: ID!) { deletePasskey(id: $id) }"
SESSIONS = "query Sessions { sessions { current signInMethod } }"
EVENTS = "query Events { securityEvents(first: 10) { edges { node { kind } } } }"


async def ok(api: Api, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    result = await api.execute(query, variables, token=token)
    assert not result.errors, result.body
    return result.data


async def add_passkey(api: Api, token: str, authenticator: SoftAuthenticator, name: str | None = None) -> Any:
    options = (await ok(api, BEGIN_REGISTRATION, token=token))["beginPasskeyRegistration"]
    credential = authenticator.create(options)
    return (await ok(api, FINISH_REGISTRATION, {"credential": credential, "name": name}, token))[
        "finishPasskeyRegistration"
    ]


async def begin_login(api: Api, user_name: str | None = None) -> str:
    return str((await ok(api, BEGIN_LOGIN, {"userName": user_name}))["beginPasskeyLogin"])


async def test_register_a_passkey_then_sign_in_with_it_and_see_how_each_session_signed_in(api: Api) -> None:
    account = await api.register("ann", email="ann@example.com")
    authenticator = SoftAuthenticator()

    options = json.loads((await ok(api, BEGIN_REGISTRATION, token=account.token))["beginPasskeyRegistration"])
    added = await add_passkey(api, account.token, authenticator, name="Laptop")
    signed_in = (await ok(api, FINISH_LOGIN, {"credential": authenticator.get(await begin_login(api))}))[
        "finishPasskeyLogin"
    ]

    assert options["rp"]["id"] == "localhost" and options["user"]["name"] == "ann"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert (added["name"], added["lastUsedAt"], added["backedUp"]) == ("Laptop", None, True)
    assert signed_in["tokenType"] == "Bearer" and signed_in["user"] == {"userName": "ann"}
    sessions = (await ok(api, SESSIONS, token=signed_in["accessToken"]))["sessions"]
    assert sessions == [{"current": True, "signInMethod": "passkey"}, {"current": False, "signInMethod": "password"}]
    listed = (await ok(api, PASSKEYS, token=signed_in["accessToken"]))["passkeys"]
    assert [(p["id"], p["name"], p["lastUsedAt"] is not None) for p in listed] == [(added["id"], "Laptop", True)]
    events = (await ok(api, EVENTS, token=account.token))["securityEvents"]["edges"]
    assert [edge["node"]["kind"] for edge in events] == ["PASSKEY_SIGN_IN", "PASSKEY_ADDED"]


async def test_a_passkey_sign_in_asks_for_no_totp_code(api: Api) -> None:
    account = await api.register("ann")
    authenticator = SoftAuthenticator()
    await add_passkey(api, account.token, authenticator)
    await User.filter(user_name="ann").update(two_factor_enabled=True)

    by_password = await api.login("ann")
    by_passkey = await api.execute(FINISH_LOGIN, {"credential": authenticator.get(await begin_login(api, "ann"))})

    assert by_password.error["extensions"]["reason"] == "OTP_REQUIRED"
    assert by_passkey.data["finishPasskeyLogin"]["user"] == {"userName": "ann"}


async def test_each_refused_sign_in_has_its_code_and_reason(api: Api) -> None:
    account = await api.register("ann")
    authenticator = SoftAuthenticator()
    await add_passkey(api, account.token, authenticator)

    async def refused(**knobs: Any) -> dict[str, Any]:
        credential = authenticator.get(await begin_login(api), **knobs)
        result = await api.execute(FINISH_LOGIN, {"credential": credential})
        assert result.data is None
        return dict(result.error["extensions"])

    replayed = authenticator.get(await begin_login(api))
    await ok(api, FINISH_LOGIN, {"credential": replayed})
    again = await api.execute(FINISH_LOGIN, {"credential": replayed})

    assert await refused(origin="http://localhost:6666") == {
        "code": "UNAUTHENTICATED",
        "reason": "PASSKEY_ORIGIN_MISMATCH",
    }
    assert (await refused(rp_id="example.com"))["reason"] == "PASSKEY_RP_ID_MISMATCH"
    assert (await refused(user_verified=False))["reason"] == "PASSKEY_USER_VERIFICATION_MISSING"
    assert (await refused(sign_count=1))["reason"] == "PASSKEY_SIGN_COUNT_REGRESSED"
    assert again.error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "PASSKEY_CHALLENGE_USED"}
    events = (await ok(api, EVENTS, token=account.token))["securityEvents"]["edges"]
    assert events[0]["node"]["kind"] == "PASSKEY_CLONE_SUSPECTED"


async def test_what_is_no_credential_is_bad_input_naming_credential(api: Api) -> None:
    account = await api.register("ann")

    at_login = await api.execute(FINISH_LOGIN, {"credential": "{not json"})
    at_registration = await api.execute(FINISH_REGISTRATION, {"credential": "[]"}, token=account.token)

    expected = {"code": "BAD_USER_INPUT", "field": "credential", "reason": "PASSKEY_INVALID"}
    assert at_login.error["extensions"] == at_registration.error["extensions"] == expected
    assert "Traceback" not in json.dumps(at_login.body)


async def test_registering_needs_a_token(api: Api) -> None:
    result = await api.execute(BEGIN_REGISTRATION)

    assert result.code == "UNAUTHENTICATED"


async def test_rename_and_delete_a_passkey(api: Api) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    added = await add_passkey(api, ann.token, SoftAuthenticator())

    renamed = await ok(api, RENAME, {"id": added["id"], "name": "Phone"}, ann.token)
    not_bobs = await api.execute(DELETE, {"id": added["id"]}, token=bob.token)
    no_id = await api.execute(RENAME, {"id": "abc", "name": "x"}, token=ann.token)
    too_long = await api.execute(RENAME, {"id": added["id"], "name": "x" * 65}, token=ann.token)
    deleted = await ok(api, DELETE, {"id": added["id"]}, ann.token)

    assert renamed["renamePasskey"] == {"id": added["id"], "name": "Phone"}
    assert (not_bobs.code, not_bobs.field) == ("NOT_FOUND", "id")
    assert (no_id.code, no_id.field) == ("BAD_USER_INPUT", "id")
    assert (too_long.code, too_long.field) == ("BAD_USER_INPUT", "name")
    assert deleted == {"deletePasskey": True}
    assert (await ok(api, PASSKEYS, token=ann.token))["passkeys"] == []


async def test_an_account_without_a_password_cannot_delete_its_last_passkey(api: Api) -> None:
    account = await api.register("ann")
    added = await add_passkey(api, account.token, SoftAuthenticator())
    await User.filter(user_name="ann").update(password_hash="")  # as a provider- or passkey-made account

    result = await api.execute(DELETE, {"id": added["id"]}, token=account.token)

    assert result.error["extensions"] == {"code": "CONFLICT", "field": "id", "reason": "LAST_SIGN_IN_METHOD"}
    assert len((await ok(api, PASSKEYS, token=account.token))["passkeys"]) == 1


async def test_the_development_page_is_served_outside_production_only(api: Api, settings: Settings) -> None:
    page = await api.client.get("/dev/passkeys")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(replace(settings, app_env="production"))),
        base_url="http://testserver",
    ) as production:
        in_production = await production.get("/dev/passkeys")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "navigator.credentials.create" in page.text and "finishPasskeyLogin" in page.text
    assert in_production.status_code == 404


async def test_adding_a_passkey_from_a_session_that_signed_in_long_ago_is_refused(api: Api, settings: Settings) -> None:
    account = await api.register("ann")
    old_token = signed_in_long_ago(account.token, settings)

    result = await api.execute(BEGIN_REGISTRATION, token=old_token)

    assert result.error["extensions"] == {"code": "FORBIDDEN", "reason": "RECENT_SIGN_IN_REQUIRED"}
