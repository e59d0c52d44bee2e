"""Refresh tokens: rotation, reuse detection, logout and logoutAll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx

from main import create_app
from models import RefreshToken, Session
from settings import Settings
from tests.support import DELETE_USER, LOGOUT, LOGOUT_ALL, ME, PASSWORD, REFRESH, Api, replace
from tests.support import LOGIN as LOGIN_DOCUMENT
from tests.support.refresh import after_the_reuse_grace

THIRTY_DAYS = 30 * 24 * 3600
NINETY_DAYS = 90 * 24 * 3600
HOUR = 3600


@asynccontextmanager
async def client_for(settings: Settings, backend: str) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, backend=backend)


async def test_register_and_login_return_a_refresh_token(api: Api) -> None:
    account = await api.register()
    login = (await api.login("john_doe")).data["login"]

    assert len(account.refresh_token) >= 43  # 32 random bytes, base64url
    assert login["refreshToken"] != account.refresh_token
    assert login["refreshExpiresIn"] == THIRTY_DAYS


async def test_refresh_rotates_both_tokens(api: Api) -> None:
    account = await api.register()

    result = await api.execute(REFRESH, {"refreshToken": account.refresh_token})

    renewed = result.data["refreshToken"]
    assert renewed["user"] == {"userName": "john_doe"}
    assert renewed["refreshToken"] != account.refresh_token
    assert renewed["refreshExpiresIn"] == THIRTY_DAYS
    assert (await api.me(renewed["accessToken"])).data["me"]["userName"] == "john_doe"
    second = await api.execute(REFRESH, {"refreshToken": renewed["refreshToken"]})
    assert not second.errors


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_session(api: Api) -> None:
    account = await api.register()
    renewed = (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).data["refreshToken"]
    await after_the_reuse_grace()

    replay = await api.execute(REFRESH, {"refreshToken": account.refresh_token})

    assert replay.code == "UNAUTHENTICATED"
    # The thief's replay also kills the legitimate client's newer token of the same session.
    assert (await api.execute(REFRESH, {"refreshToken": renewed["refreshToken"]})).code == "UNAUTHENTICATED"


async def test_reuse_revokes_only_that_session(api: Api) -> None:
    account = await api.register()
    other_session = (await api.login("john_doe")).data["login"]["refreshToken"]
    await api.execute(REFRESH, {"refreshToken": account.refresh_token})
    await after_the_reuse_grace()

    await api.execute(REFRESH, {"refreshToken": account.refresh_token})

    assert not (await api.execute(REFRESH, {"refreshToken": other_session})).errors


async def test_without_a_reuse_grace_of_two_concurrent_refreshes_with_one_token_one_wins(
    db: str, settings: Settings
) -> None:
    async with client_for(replace(settings, refresh_reuse_grace_seconds=0), db) as api:
        account = await api.register()

        results = await asyncio.gather(
            *(api.execute(REFRESH, {"refreshToken": account.refresh_token}) for _ in range(2))
        )

    assert sorted(bool(r.errors) for r in results) == [False, True]
    assert [r.code for r in results if r.errors] == ["UNAUTHENTICATED"]


async def test_unknown_expired_or_malformed_refresh_tokens(api: Api) -> None:
    account = await api.register()
    await RefreshToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    expired = await api.execute(REFRESH, {"refreshToken": account.refresh_token})
    unknown = await api.execute(REFRESH, {"refreshToken": "x" * 43})
    empty = await api.execute(REFRESH, {"refreshToken": ""})
    huge = await api.execute(REFRESH, {"refreshToken": "x" * 10_000})

    assert [expired.code, unknown.code] == ["UNAUTHENTICATED", "UNAUTHENTICATED"]
    assert expired.error["extensions"]["reason"] == "SESSION_ENDED"
    for malformed in (unknown, empty, huge):
        assert malformed.error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "TOKEN_INVALID"}


async def test_refresh_tokens_are_stored_only_as_hashes(api: Api) -> None:
    account = await api.register()

    rows = await RefreshToken.all().values()

    assert len(rows) == 1
    assert account.refresh_token not in str(rows)


async def test_logout_ends_that_session_only(api: Api) -> None:
    account = await api.register()
    other_session = (await api.login("john_doe")).data["login"]["refreshToken"]

    result = await api.execute(LOGOUT, {"refreshToken": account.refresh_token})

    assert result.body == {"data": {"logout": True}}
    assert (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).code == "UNAUTHENTICATED"
    assert not (await api.execute(REFRESH, {"refreshToken": other_session})).errors


async def test_logout_with_an_unknown_token_is_still_true(api: Api) -> None:
    result = await api.execute(LOGOUT, {"refreshToken": "never-issued"})

    assert result.body == {"data": {"logout": True}}


async def test_logout_all_revokes_every_session_and_access_token(api: Api) -> None:
    account = await api.register()
    other = (await api.login("john_doe")).data["login"]

    result = await api.execute(LOGOUT_ALL, token=account.token)

    assert result.body == {"data": {"logoutAll": True}}
    for access in (account.token, other["accessToken"]):
        assert (await api.me(access)).code == "UNAUTHENTICATED"
    for refresh in (account.refresh_token, other["refreshToken"]):
        assert (await api.execute(REFRESH, {"refreshToken": refresh})).code == "UNAUTHENTICATED"
    assert not (await api.login("john_doe")).errors  # the account itself is fine


async def test_logout_all_needs_a_token(api: Api) -> None:
    assert (await api.execute(LOGOUT_ALL)).code == "UNAUTHENTICATED"


async def test_password_change_revokes_refresh_tokens(api: Api) -> None:
    account = await api.register()

    await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="a-brand-new-passphrase")

    assert (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).code == "UNAUTHENTICATED"


async def test_delete_revokes_refresh_tokens(api: Api) -> None:
    account = await api.register()

    await api.execute(DELETE_USER, {"userName": "john_doe"}, token=account.token)

    assert (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).code == "UNAUTHENTICATED"
    assert await RefreshToken.all().count() == 0


async def test_refreshed_access_token_carries_the_current_token_version(api: Api) -> None:
    account = await api.register()
    await api.execute(LOGOUT_ALL, token=account.token)
    fresh = (await api.login("john_doe")).data["login"]

    renewed = (await api.execute(REFRESH, {"refreshToken": fresh["refreshToken"]})).data["refreshToken"]

    assert (await api.execute(ME, token=renewed["accessToken"])).data["me"]["userName"] == "john_doe"


def test_sessions_last_ninety_days_unless_configured() -> None:
    assert Settings.from_environ({}).session_max_age == NINETY_DAYS
    assert Settings.from_environ({"SESSION_MAX_AGE": "3600"}).session_max_age == HOUR


async def test_a_session_ends_at_its_absolute_lifetime_however_often_it_refreshes(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, session_max_age=HOUR), db) as api:
        account = await api.register()
        renewed = (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).data["refreshToken"]
        # Time passes: the session reaches its end while its newest refresh token is unspent and unexpired.
        await Session.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

        after = await api.execute(REFRESH, {"refreshToken": renewed["refreshToken"]})
        again = await api.login("john_doe")

    assert HOUR - 60 < renewed["refreshExpiresIn"] <= HOUR  # a refresh token never outlives its session
    assert after.code == "UNAUTHENTICATED"
    assert not again.errors  # the person logs in again and gets a new session


async def test_rotation_does_not_extend_a_session(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, session_max_age=HOUR), db) as api:
        account = await api.register()
        expiries = [account.refresh_token]
        token = account.refresh_token
        for _ in range(3):
            renewed = (await api.execute(REFRESH, {"refreshToken": token})).data["refreshToken"]
            token = renewed["refreshToken"]
            expiries.append(renewed["refreshExpiresIn"])

    assert all(HOUR - 60 < left <= HOUR for left in expiries[1:]), expiries
    assert expiries[1:] == sorted(expiries[1:], reverse=True)  # counting down to one end, never reset


async def test_a_session_records_the_client_at_sign_in_and_last_use(api: Api) -> None:
    await api.register()
    login = await api.client.post(
        "/graphql",
        json={"query": LOGIN_DOCUMENT, "variables": {"userName": "john_doe", "password": PASSWORD}},
        headers={"User-Agent": "Browser/1.0 " + "x" * 400},
    )
    token = login.json()["data"]["login"]["refreshToken"]
    signed_in = await Session.filter(user_agent__startswith="Browser/1.0").get()

    await api.client.post(
        "/graphql", json={"query": REFRESH, "variables": {"refreshToken": token}}, headers={"User-Agent": "Phone/2"}
    )
    used = await Session.get(id=signed_in.id)

    assert len(signed_in.user_agent or "") == 256  # cut to the column
    assert signed_in.ip_address == "127.0.0.1"
    assert (used.user_agent, used.ip_address) == ("Phone/2", "127.0.0.1")
    assert used.last_used_at >= signed_in.last_used_at
