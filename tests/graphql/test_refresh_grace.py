"""The refresh-token reuse grace (README, Tokens): within REFRESH_REUSE_GRACE_SECONDS of a token's first use, the
same token presented again (two tabs refreshing at once) gets the same new refresh token and an access token of
the same session, and the session lives on; after the grace, or once that new token was spent, a replay revokes
the session; a grace of 0 keeps reuse detection strict. On every backend, with nothing but hashes stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from models import RefreshToken
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.graphql.test_session_races import at_once
from tests.graphql.test_sessions import client_for
from tests.support import REFRESH as REFRESH_DOCUMENT
from tests.support import Api, replace
from tests.support.refresh import after_the_reuse_grace

ROUNDS = 30


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Refresh limits well above what the rounds send from one address; the grace as shipped.
    return Settings(
        app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4, refresh_max_per_address=10_000
    )


def session_of(access_token: str) -> str:
    return str(jwt.decode(access_token, options={"verify_signature": False})["sid"])


async def refresh(api: Api, token: str) -> dict[str, str]:
    """The new pair, or the error's extensions."""
    result = await api.execute(REFRESH_DOCUMENT, {"refreshToken": token})
    return dict(result.data["refreshToken"]) if not result.errors else {"error": str(result.error["extensions"])}


async def sign_in(api: Api) -> dict[str, str]:
    login = await api.login("john_doe")
    assert not login.errors, login.body
    return dict(login.data["login"])


async def test_shipped_with_a_grace_of_ten_seconds() -> None:
    assert Settings.from_environ({}).refresh_reuse_grace_seconds == 10
    assert Settings.from_environ({"REFRESH_REUSE_GRACE_SECONDS": "0"}).refresh_reuse_grace_seconds == 0


async def test_two_tabs_refreshing_at_once_both_get_the_same_new_pair_and_stay_signed_in(api: Api) -> None:
    await api.register()

    for round_ in range(ROUNDS):
        session = await sign_in(api)

        first, second = await at_once(refresh(api, session["refreshToken"]), refresh(api, session["refreshToken"]))

        assert "error" not in first and "error" not in second, (round_, first, second)
        assert first["refreshToken"] == second["refreshToken"], round_  # one chain, as if one tab had refreshed
        for pair in (first, second):
            assert session_of(pair["accessToken"]) == session_of(session["accessToken"]), round_
            assert (await api.me(pair["accessToken"])).data["me"]["userName"] == "john_doe", round_
        # The session lives on: the shared new token refreshes once more, and its access token works.
        onward = await refresh(api, first["refreshToken"])
        assert "error" not in onward, (round_, onward)
        assert (await api.me(onward["accessToken"])).data["me"]["userName"] == "john_doe", round_


async def test_a_replay_within_the_grace_gets_the_same_new_pair(api: Api) -> None:
    account = await api.register()
    renewed = await refresh(api, account.refresh_token)

    again = await refresh(api, account.refresh_token)

    assert again["refreshToken"] == renewed["refreshToken"]
    assert 0 < int(again["refreshExpiresIn"]) <= int(renewed["refreshExpiresIn"])
    assert (await api.me(again["accessToken"])).data["me"]["userName"] == "john_doe"
    # Nothing usable is stored for it: the rows hold hashes only.
    rows = str(await RefreshToken.all().values())
    assert account.refresh_token not in rows and renewed["refreshToken"] not in rows


async def test_any_instance_answers_the_replay(db: str, settings: Settings) -> None:
    """Two apps on one database, as two workers or instances: the second knows the pair the first gave."""
    async with client_for(settings, db) as one, client_for(settings, db) as other:
        account = await one.register()
        renewed = await refresh(one, account.refresh_token)

        again = await refresh(other, account.refresh_token)

    assert again["refreshToken"] == renewed["refreshToken"]


async def test_a_replay_after_the_grace_revokes_the_session(api: Api) -> None:
    account = await api.register()
    renewed = await refresh(api, account.refresh_token)
    await after_the_reuse_grace()

    replay = await refresh(api, account.refresh_token)

    assert "TOKEN_REVOKED" in replay["error"]
    assert "TOKEN_REVOKED" in (await refresh(api, renewed["refreshToken"]))["error"]
    assert (await api.me(renewed["accessToken"])).code == "UNAUTHENTICATED"


async def test_a_replay_once_the_new_token_was_spent_revokes_the_session(api: Api) -> None:
    account = await api.register()
    renewed = await refresh(api, account.refresh_token)
    newest = await refresh(api, renewed["refreshToken"])  # within the grace, but the chain moved on

    replay = await refresh(api, account.refresh_token)

    assert "TOKEN_REVOKED" in replay["error"]
    assert "TOKEN_REVOKED" in (await refresh(api, newest["refreshToken"]))["error"]


async def test_the_grace_of_one_session_never_reaches_another(api: Api) -> None:
    account = await api.register()
    other = await sign_in(api)
    await refresh(api, account.refresh_token)

    await refresh(api, account.refresh_token)  # a replay within the grace

    assert "error" not in await refresh(api, other["refreshToken"])
    assert (await api.me(other["accessToken"])).data["me"]["userName"] == "john_doe"


@pytest.fixture
async def strict(db: str, settings: Settings) -> AsyncIterator[Api]:
    async with client_for(replace(settings, refresh_reuse_grace_seconds=0), db) as api:
        yield api


async def test_without_a_grace_a_replay_revokes_at_once(strict: Api) -> None:
    account = await strict.register()
    renewed = await refresh(strict, account.refresh_token)

    replay = await refresh(strict, account.refresh_token)

    assert "TOKEN_REVOKED" in replay["error"]
    assert "TOKEN_REVOKED" in (await refresh(strict, renewed["refreshToken"]))["error"]


async def test_without_a_grace_two_tabs_refreshing_at_once_are_signed_out(strict: Api) -> None:
    account = await strict.register()

    results = await at_once(refresh(strict, account.refresh_token), refresh(strict, account.refresh_token))

    assert sorted("error" in result for result in results) == [False, True]
    winner = next(result for result in results if "error" not in result)
    assert "TOKEN_REVOKED" in (await refresh(strict, winner["refreshToken"]))["error"]
