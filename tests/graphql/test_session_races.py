"""Sessions under concurrency: rotation, reuse, logout, logoutAll, a password change and a delete,
fired at the same moment, round after round.

After any interleaving a revoked session has no live token, one refresh token never yields two live
successors, and a call racing a delete is answered UNAUTHENTICATED (or succeeds first), never with a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from settings import Settings
from tests.conftest import TEST_SECRET
from tests.graphql.test_sessions import client_for
from tests.support import DELETE_USER, LOGIN, LOGOUT, LOGOUT_ALL, PASSWORD, REFRESH, UPDATE_USER, Api, Result, replace

ROUNDS = 20
OK_OR_UNAUTHENTICATED = {None, "UNAUTHENTICATED"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Refresh limits well above what the rounds send from one address.
    return Settings(
        app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4, refresh_max_per_address=10_000
    )


async def at_once(*calls: Coroutine[Any, Any, Result]) -> list[Result]:
    """Run the calls together, each released by one barrier so none has a head start (a coroutine
    does nothing until awaited)."""
    barrier = asyncio.Barrier(len(calls))

    async def released(call: Coroutine[Any, Any, Result]) -> Result:
        await barrier.wait()
        return await call

    return list(await asyncio.gather(*(released(call) for call in calls)))


def code(result: Result) -> str | None:
    return result.code if result.errors else None


async def sign_in(api: Api, user_name: str) -> dict[str, str]:
    result = await api.login(user_name)
    assert not result.errors, result.body
    return dict(result.data["login"])


async def refresh(api: Api, token: str) -> Result:
    return await api.execute(REFRESH, {"refreshToken": token})


async def assert_dead(api: Api, refresh_tokens: list[str], round_: int) -> None:
    for token in refresh_tokens:
        again = await refresh(api, token)
        assert code(again) == "UNAUTHENTICATED", (round_, again.body)


async def test_without_a_reuse_grace_one_refresh_token_sent_twice_at_once_leaves_no_live_successor(
    db: str, settings: Settings
) -> None:
    async with client_for(replace(settings, refresh_reuse_grace_seconds=0), db) as api:
        await api.register()

        for round_ in range(ROUNDS):
            token = (await sign_in(api, "john_doe"))["refreshToken"]

            results = await at_once(refresh(api, token), refresh(api, token))

            codes = sorted(code(result) or "" for result in results)
            assert codes == ["", "UNAUTHENTICATED"], (round_, [r.body for r in results])
            # The loser presented a spent token: reuse revokes the session, the winner's new token included.
            successors = [r.data["refreshToken"]["refreshToken"] for r in results if not r.errors]
            await assert_dead(api, successors, round_)


async def test_logout_all_racing_a_refresh_leaves_no_live_token(api: Api) -> None:
    account = await api.register()

    for round_ in range(ROUNDS):
        session = await sign_in(api, "john_doe")

        racing, logout_all = await at_once(
            refresh(api, session["refreshToken"]),
            api.execute(LOGOUT_ALL, token=session["accessToken"]),
        )

        assert logout_all.body == {"data": {"logoutAll": True}}, (round_, logout_all.body)
        assert code(racing) in OK_OR_UNAUTHENTICATED, (round_, racing.body)
        if not racing.errors:
            renewed = racing.data["refreshToken"]
            assert (await api.me(renewed["accessToken"])).code == "UNAUTHENTICATED", round_
            await assert_dead(api, [renewed["refreshToken"]], round_)
        await assert_dead(api, [session["refreshToken"], account.refresh_token], round_)


async def test_logout_racing_a_refresh_leaves_no_live_token_in_that_session(api: Api) -> None:
    await api.register()

    for round_ in range(ROUNDS):
        token = (await sign_in(api, "john_doe"))["refreshToken"]

        racing, logout = await at_once(refresh(api, token), api.execute(LOGOUT, {"refreshToken": token}))

        assert logout.body == {"data": {"logout": True}}, (round_, logout.body)
        assert code(racing) in OK_OR_UNAUTHENTICATED, (round_, racing.body)
        successors = [racing.data["refreshToken"]["refreshToken"]] if not racing.errors else []
        await assert_dead(api, successors, round_)


async def test_a_password_change_racing_a_refresh_leaves_no_live_token(api: Api) -> None:
    account = await api.register()
    passwords = [PASSWORD, "another-long-passphrase"]

    for round_ in range(ROUNDS):
        old, new = passwords[round_ % 2], passwords[(round_ + 1) % 2]
        session = dict((await api.login("john_doe", old)).data["login"])
        change = {"userName": account.name, "input": {"providedOldPassword": old, "providedNewPassword": new}}

        racing, changed = await at_once(
            refresh(api, session["refreshToken"]),
            api.execute(UPDATE_USER, change, token=session["accessToken"]),
        )

        assert not changed.errors, (round_, changed.body)
        assert code(racing) in OK_OR_UNAUTHENTICATED, (round_, racing.body)
        if not racing.errors:
            renewed = racing.data["refreshToken"]
            assert (await api.me(renewed["accessToken"])).code == "UNAUTHENTICATED", round_
            await assert_dead(api, [renewed["refreshToken"]], round_)


async def test_a_delete_racing_a_login_is_never_a_server_error(api: Api) -> None:
    for round_ in range(ROUNDS):
        account = await api.register(f"user{round_}")

        login, deleted = await at_once(
            api.execute(LOGIN, {"userName": account.name, "password": PASSWORD}),
            api.execute(DELETE_USER, {"userName": account.name}, token=account.token),
        )

        assert not deleted.errors, (round_, deleted.body)
        assert code(login) in OK_OR_UNAUTHENTICATED, (round_, login.body)
        if not login.errors:  # it won the race: its session died with the user
            await assert_dead(api, [login.data["login"]["refreshToken"]], round_)


async def test_a_delete_racing_a_refresh_is_never_a_server_error(api: Api) -> None:
    for round_ in range(ROUNDS):
        account = await api.register(f"user{round_}")

        racing, deleted = await at_once(
            refresh(api, account.refresh_token),
            api.execute(DELETE_USER, {"userName": account.name}, token=account.token),
        )

        assert not deleted.errors, (round_, deleted.body)
        assert code(racing) in OK_OR_UNAUTHENTICATED, (round_, racing.body)
        if not racing.errors:
            await assert_dead(api, [racing.data["refreshToken"]["refreshToken"]], round_)
