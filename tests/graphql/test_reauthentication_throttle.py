"""Every check of a password or one-time code for a signed-in caller counts toward the account's login limit
(issue 20.9 and 20.10, README Security): wrong ones end in TOO_MANY_REQUESTS, and while the account is at
its limit even the right one is refused, as at login. The limits are read from the test settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from settings import Settings
from tests.graphql.test_two_factor import (
    BEGIN,
    CONFIRM,
    DISABLE,
    REGENERATE,
    TwoFactor,
    begin,
    enable,
    login,
    steady_clock,
)
from tests.support import PASSWORD, UPDATE_PROFILE, Account, Api, Result

GUESSES = 40
WRONG = "not-the-password"
DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
DELETE = """
mutation Delete($userName: String!, $password: String) { deleteUser(userName: $userName, password: $password) {
  userName } }"""
ME = "query Me { me { userName email twoFactorEnabled } }"


@dataclass
class Path:
    """One way a signed-in caller sends a password or code: ``send(api, account, right)`` makes the call."""

    field: str
    send: Callable[[Api, Account, bool], Awaitable[Result]]
    two_factor: bool = False  # the account needs two-factor sign-in on first


def _password(right: bool) -> str:
    return PASSWORD if right else WRONG


async def _deactivate(api: Api, account: Account, right: bool) -> Result:
    return await api.execute(DEACTIVATE, {"password": _password(right)}, token=account.token)


async def _password_change(api: Api, account: Account, right: bool) -> Result:
    changes = {"providedOldPassword": _password(right), "providedNewPassword": "a-brand-new-passphrase"}
    return await api.execute(UPDATE_PROFILE, {"input": changes}, token=account.token)


async def _email_change(api: Api, account: Account, right: bool) -> Result:
    changes = {"email": "new@example.com", "providedOldPassword": _password(right)}
    return await api.execute(UPDATE_PROFILE, {"input": changes}, token=account.token)


async def _delete(api: Api, account: Account, right: bool) -> Result:
    return await api.execute(DELETE, {"userName": account.name, "password": _password(right)}, token=account.token)


async def _begin_setup(api: Api, account: Account, right: bool) -> Result:
    return await api.execute(BEGIN, {"password": _password(right)}, token=account.token)


PATHS = {
    "deactivateAccount": Path("password", _deactivate),
    "providedOldPassword-password-change": Path("providedOldPassword", _password_change),
    "providedOldPassword-email-change": Path("providedOldPassword", _email_change),
    "deleteUser": Path("password", _delete),
    "beginTwoFactorSetup": Path("password", _begin_setup),
}


async def _unchanged(api: Api, account: Account, before: Result) -> None:
    """Nothing the right password would have done happened: the same token still reads the same account."""
    after = await api.execute(ME, token=account.token)
    assert after.body == before.body


@pytest.mark.parametrize("path", list(PATHS), ids=list(PATHS))
async def test_wrong_passwords_end_in_too_many_requests_then_even_the_right_one_waits(
    api: Api, settings: Settings, path: str
) -> None:
    way = PATHS[path]
    account = await api.register("ann", email="ann@example.com")
    before = await api.execute(ME, token=account.token)
    limit = settings.login_max_failures

    guesses = [await way.send(api, account, False) for _ in range(GUESSES)]
    right = await way.send(api, account, True)

    assert [(g.code, g.field) for g in guesses[:limit]] == [("BAD_USER_INPUT", way.field)] * limit
    assert {g.code for g in guesses[limit:]} == {"TOO_MANY_REQUESTS"}
    assert right.code == "TOO_MANY_REQUESTS"
    assert 0 < right.error["extensions"]["retryAfter"] <= settings.login_window
    await _unchanged(api, account, before)
    assert (await api.login("ann")).code == "TOO_MANY_REQUESTS"  # one account limit, login included


async def test_wrong_codes_in_confirm_two_factor_end_in_too_many_requests(api: Api, settings: Settings) -> None:
    account = await api.register("ann")
    now = steady_clock()
    state = TwoFactor(secret=(await begin(api, account))["secret"], recovery_codes=[], now=now)
    limit = settings.login_max_failures

    guesses = [await api.execute(CONFIRM, {"code": state.wrong_code()}, token=account.token) for _ in range(GUESSES)]
    right = await api.execute(CONFIRM, {"code": state.code()}, token=account.token)

    assert [(g.code, g.field) for g in guesses[:limit]] == [("BAD_USER_INPUT", "code")] * limit
    assert {g.code for g in guesses[limit:]} == {"TOO_MANY_REQUESTS"}
    assert right.code == "TOO_MANY_REQUESTS"
    assert (await api.execute(ME, token=account.token)).data["me"]["twoFactorEnabled"] is False


async def test_a_right_code_clears_the_count_of_confirm(api: Api, settings: Settings) -> None:
    account = await api.register("ann")
    now = steady_clock()
    state = TwoFactor(secret=(await begin(api, account))["secret"], recovery_codes=[], now=now)

    for _ in range(settings.login_max_failures - 1):
        await api.execute(CONFIRM, {"code": state.wrong_code()}, token=account.token)
    confirmed = await api.execute(CONFIRM, {"code": state.code()}, token=account.token)

    assert not confirmed.errors, confirmed.body
    after = [await api.login("ann", WRONG) for _ in range(settings.login_max_failures)]
    assert {result.code for result in after} == {"UNAUTHENTICATED"}  # the count started again


@pytest.mark.parametrize("operation", [DISABLE, REGENERATE], ids=["disableTwoFactor", "regenerateRecoveryCodes"])
async def test_wrong_passwords_in_two_factor_changes_end_in_too_many_requests(
    api: Api, settings: Settings, operation: str
) -> None:
    account = await api.register("ann")
    state = await enable(api, account)
    token = (await login(api, "ann", state.code())).data["login"]["accessToken"]
    limit = settings.login_max_failures

    guesses = [
        await api.execute(operation, {"password": WRONG, "code": state.code(+1)}, token=token) for _ in range(GUESSES)
    ]
    right = await api.execute(operation, {"password": PASSWORD, "code": state.code(+1)}, token=token)

    assert [(g.code, g.field) for g in guesses[:limit]] == [("BAD_USER_INPUT", "password")] * limit
    assert {g.code for g in guesses[limit:]} == {"TOO_MANY_REQUESTS"}
    assert right.code == "TOO_MANY_REQUESTS"
