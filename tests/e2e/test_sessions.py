"""Refresh tokens: rotation, reuse detection, logout and logoutAll."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models import RefreshToken
from tests.support import DELETE_USER, LOGOUT, LOGOUT_ALL, ME, PASSWORD, REFRESH, Api

THIRTY_DAYS = 30 * 24 * 3600


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

    replay = await api.execute(REFRESH, {"refreshToken": account.refresh_token})

    assert replay.code == "UNAUTHENTICATED"
    # The thief's replay also kills the legitimate client's newer token of the same session.
    assert (await api.execute(REFRESH, {"refreshToken": renewed["refreshToken"]})).code == "UNAUTHENTICATED"


async def test_reuse_revokes_only_that_session(api: Api) -> None:
    account = await api.register()
    other_session = (await api.login("john_doe")).data["login"]["refreshToken"]
    await api.execute(REFRESH, {"refreshToken": account.refresh_token})

    await api.execute(REFRESH, {"refreshToken": account.refresh_token})

    assert not (await api.execute(REFRESH, {"refreshToken": other_session})).errors


async def test_two_concurrent_refreshes_with_one_token_one_wins(api: Api) -> None:
    account = await api.register()

    results = await asyncio.gather(*(api.execute(REFRESH, {"refreshToken": account.refresh_token}) for _ in range(2)))

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
    assert (empty.code, empty.field) == ("BAD_USER_INPUT", "refreshToken")
    assert (huge.code, huge.field) == ("BAD_USER_INPUT", "refreshToken")


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
