"""Password changes: both fields, the right old password, and every earlier token revoked."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import PASSWORD, UPDATE_PROFILE, Api

NEW_PASSWORD = "newSecurePassword456"


async def test_password_change_revokes_earlier_tokens_and_switches_the_password(api: Api) -> None:
    account = await api.register()
    second_session = (await api.login("john_doe")).data["login"]["accessToken"]

    result = await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword=NEW_PASSWORD)

    assert result.data["updateUser"]["userName"] == "john_doe"
    assert (await api.me(account.token)).code == "UNAUTHENTICATED"
    assert (await api.me(second_session)).code == "UNAUTHENTICATED"
    assert (await api.login("john_doe", PASSWORD)).code == "UNAUTHENTICATED"
    fresh = (await api.login("john_doe", NEW_PASSWORD)).data["login"]["accessToken"]
    assert (await api.me(fresh)).data["me"]["userName"] == "john_doe"


async def test_password_change_through_update_profile(api: Api) -> None:
    account = await api.register()

    result = await api.execute(
        UPDATE_PROFILE,
        {"input": {"providedOldPassword": PASSWORD, "providedNewPassword": NEW_PASSWORD}},
        token=account.token,
    )

    assert not result.errors
    assert not (await api.login("john_doe", NEW_PASSWORD)).errors


async def test_wrong_old_password_changes_nothing(api: Api) -> None:
    account = await api.register()

    result = await api.update_user(
        account, bio="should not stick", providedOldPassword="wrong-password", providedNewPassword=NEW_PASSWORD
    )

    assert (result.code, result.field) == ("BAD_USER_INPUT", "providedOldPassword")
    me = await api.me(account.token)  # the token still works
    assert me.data["me"]["bio"] is None
    assert not (await api.login("john_doe", PASSWORD)).errors


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"providedNewPassword": NEW_PASSWORD}, "providedOldPassword"),
        ({"providedOldPassword": PASSWORD}, "providedNewPassword"),
        ({"providedOldPassword": PASSWORD, "providedNewPassword": "short"}, "providedNewPassword"),
        ({"providedOldPassword": PASSWORD, "providedNewPassword": "ü" * 129}, "providedNewPassword"),
        ({"providedOldPassword": "x" * 129, "providedNewPassword": NEW_PASSWORD}, "providedOldPassword"),
    ],
    ids=["no-old", "no-new", "new-too-short", "new-over-128-chars", "old-over-128-chars"],
)
async def test_incomplete_or_invalid_password_change_is_bad_user_input(
    api: Api, given: dict[str, str], field: str
) -> None:
    account = await api.register()

    result = await api.update_user(account, **given)

    assert (result.code, result.field) == ("BAD_USER_INPUT", field)
    assert not (await api.me(account.token)).errors


async def test_two_racing_changes_with_the_same_old_password_one_wins(api: Api) -> None:
    account = await api.register()

    results = await asyncio.gather(
        api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="first-new-password"),
        api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword="second-new-password"),
    )

    assert sum(1 for r in results if not r.errors) == 1
    logins = [await api.login("john_doe", p) for p in ("first-new-password", "second-new-password")]
    assert sum(1 for r in logins if not r.errors) == 1
