"""Recent sign-in ("sudo mode"): an access token alone no longer changes the email or deletes the account.

The rule (issue 20.1, README Security): changing the email (updateProfile, updateUser) and deleteUser need a
session that signed in with its password within RECENT_SIGN_IN_SECONDS, or the current password in the same
request; otherwise FORBIDDEN with extensions.reason RECENT_SIGN_IN_REQUIRED and the field to send it in, and
nothing is written. Tokens carry the sign-in time as auth_time, kept by refreshes. An old sign-in's token is
made the way the server makes tokens (services.identity.access_tokens) for the same live session, with an older
auth_time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from models import OutboxMail, Session, User
from services.identity.access_tokens import issue_access_token
from settings import Settings
from tests.graphql.test_admin import admin
from tests.support import DELETE_USER, PASSWORD, REFRESH, UPDATE_PROFILE, Api, Result, resolve_reset_requests

ANN = "ann@example.com"
THIEF = "thief@evil.example"
ME_EMAIL = "query Me { me { userName email } }"
DELETE_WITH_PASSWORD = """
mutation DeleteUser($userName: String!, $password: String) {
  deleteUser(userName: $userName, password: $password) { userName }
}"""
UPDATE_EMAIL = """
mutation UpdateUser($userName: String!, $input: UpdateUserInput!) { updateUser(userName: $userName, input: $input) {
  userName email } }"""
REQUEST_RESET = "mutation Reset($email: String!) { requestPasswordReset(email: $email) }"


def claims_of(token: str) -> dict[str, Any]:
    """What a client can read in its own token (the signature is the server's business)."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def signed_in_long_ago(token: str, settings: Settings, *, seconds_ago: float | None = None, claim: bool = True) -> str:
    """A token of the same live session whose sign-in lies ``seconds_ago`` (default: a minute past the window)
    in the past, or (``claim=False``) one without auth_time, as issued before the claim existed."""
    claims = claims_of(token)
    ago = settings.recent_sign_in_seconds + 60 if seconds_ago is None else seconds_ago
    return issue_access_token(
        user_id=int(claims["sub"]),
        token_version=claims["ver"],
        session_id=claims["sid"],
        auth_time=time.time() - ago if claim else None,
        settings=settings,
    ).token


def refused_for_want_of_a_recent_sign_in(result: Result, field: str) -> None:
    assert result.code == "FORBIDDEN", result.body
    assert result.error["extensions"]["reason"] == "RECENT_SIGN_IN_REQUIRED"
    assert result.field == field
    assert result.data is None or not any(result.data.values())


async def email_of(api: Api, token: str) -> str | None:
    result = await api.execute(ME_EMAIL, token=token)
    assert not result.errors, result.body
    return result.data["me"]["email"]  # type: ignore[no-any-return]


async def change_email(api: Api, token: str, email: str, **extra: str) -> Result:
    return await api.execute(UPDATE_PROFILE, {"input": {"email": email, **extra}}, token=token)


async def delete(api: Api, token: str, user_name: str, password: str | None = None) -> Result:
    return await api.execute(DELETE_WITH_PASSWORD, {"userName": user_name, "password": password}, token=token)


async def still_there(api: Api, user_name: str) -> bool:
    return await User.filter(user_name=user_name).exists()


# An old sign-in: refused, nothing written


async def test_an_old_sign_in_cannot_change_the_email(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    by_profile = await change_email(api, old, "new@example.com")
    by_name = await api.execute(UPDATE_EMAIL, {"userName": "ann", "input": {"email": "new@example.com"}}, token=old)
    cleared = await change_email(api, old, None)  # type: ignore[arg-type]
    with_other_changes = await api.execute(
        UPDATE_PROFILE, {"input": {"email": "new@example.com", "bio": "should not stick"}}, token=old
    )

    for result in (by_profile, by_name, cleared, with_other_changes):
        refused_for_want_of_a_recent_sign_in(result, "providedOldPassword")
    assert await email_of(api, old) == ANN
    me = await api.me(old)
    assert me.data["me"]["bio"] is None
    assert not await OutboxMail.filter(template="email_changed").exists()


async def test_an_old_sign_in_cannot_delete_the_account(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    without_password = await delete(api, old, "ann")
    plain = await api.execute(DELETE_USER, {"userName": "ann"}, token=old)

    refused_for_want_of_a_recent_sign_in(without_password, "password")
    refused_for_want_of_a_recent_sign_in(plain, "password")
    assert await still_there(api, "ann")
    assert not (await api.me(old)).errors


async def test_a_token_without_auth_time_counts_as_an_old_sign_in(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    legacy = signed_in_long_ago(account.token, settings, claim=False)
    assert "auth_time" not in claims_of(legacy)

    refused_for_want_of_a_recent_sign_in(await change_email(api, legacy, "new@example.com"), "providedOldPassword")
    refused_for_want_of_a_recent_sign_in(await delete(api, legacy, "ann"), "password")


async def test_other_changes_need_no_recent_sign_in(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    bio = await api.execute(UPDATE_PROFILE, {"input": {"bio": "Still me."}}, token=old)
    same_email = await change_email(api, old, ANN.upper())  # the same address (case-insensitive): no change

    assert not bio.errors, bio.body
    assert not same_email.errors, same_email.body


# The password in the same request


async def test_with_the_password_an_old_sign_in_can_change_the_email(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    wrong = await change_email(api, old, "new@example.com", providedOldPassword="not-the-password")
    assert await email_of(api, old) == ANN
    right = await change_email(api, old, "new@example.com", providedOldPassword=PASSWORD)

    assert (wrong.code, wrong.field) == ("BAD_USER_INPUT", "providedOldPassword")
    assert right.data["updateProfile"]["email"] == "new@example.com", right.body
    assert await email_of(api, old) == "new@example.com"  # an email change alone ends no session


async def test_the_password_with_an_email_and_a_password_change(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    both = await change_email(
        api, old, "new@example.com", providedOldPassword=PASSWORD, providedNewPassword="another-passphrase"
    )

    assert both.data["updateProfile"]["email"] == "new@example.com", both.body
    again = await api.login("ann", "another-passphrase")
    assert await email_of(api, again.data["login"]["accessToken"]) == "new@example.com"


async def test_with_the_password_an_old_sign_in_can_delete(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    wrong = await delete(api, old, "ann", "not-the-password")
    assert await still_there(api, "ann")
    right = await delete(api, old, "ann", PASSWORD)

    assert (wrong.code, wrong.field) == ("BAD_USER_INPUT", "password")
    assert right.data["deleteUser"] == {"userName": "ann"}, right.body
    assert not await still_there(api, "ann")


# A fresh sign-in needs no password; a refresh keeps the sign-in time


async def test_a_fresh_login_changes_the_email_and_deletes_without_the_password(api: Api) -> None:
    await api.register("ann", email=ANN)
    login = await api.login("ann")
    token = login.data["login"]["accessToken"]
    assert abs(claims_of(token)["auth_time"] - time.time()) < 60

    changed = await change_email(api, token, "new@example.com")
    deleted = await delete(api, token, "ann")

    assert changed.data["updateProfile"]["email"] == "new@example.com", changed.body
    assert deleted.data["deleteUser"] == {"userName": "ann"}, deleted.body


async def test_register_is_a_sign_in(api: Api) -> None:
    account = await api.register("ann", email=ANN)

    assert not (await change_email(api, account.token, "new@example.com")).errors


async def test_a_refresh_keeps_the_sign_in_time(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    signed_in_at = claims_of(account.token)["auth_time"]

    fresh = (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).data["refreshToken"]
    assert claims_of(fresh["accessToken"])["auth_time"] == signed_in_at

    # The same session, signed in longer ago than the window: its refreshed tokens are not recent either.
    long_ago = datetime.now(UTC) - timedelta(seconds=settings.recent_sign_in_seconds + 60)
    await Session.filter(id=claims_of(account.token)["sid"]).update(created_at=long_ago)
    stale = (await api.execute(REFRESH, {"refreshToken": fresh["refreshToken"]})).data["refreshToken"]

    assert abs(claims_of(stale["accessToken"])["auth_time"] - long_ago.timestamp()) < 2
    refused_for_want_of_a_recent_sign_in(
        await change_email(api, stale["accessToken"], "new@example.com"), "providedOldPassword"
    )
    refused_for_want_of_a_recent_sign_in(await delete(api, stale["accessToken"], "ann"), "password")


async def test_the_window_is_the_setting(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    inside = signed_in_long_ago(account.token, settings, seconds_ago=settings.recent_sign_in_seconds - 30)
    outside = signed_in_long_ago(account.token, settings, seconds_ago=settings.recent_sign_in_seconds + 30)

    refused_for_want_of_a_recent_sign_in(await change_email(api, outside, "new@example.com"), "providedOldPassword")
    assert not (await change_email(api, inside, "new@example.com")).errors


# Admins: the admin's own session or password


async def test_an_admin_needs_a_recent_sign_in_or_the_own_password(api: Api, settings: Settings) -> None:
    root = await admin(api)
    await api.register("bob", email="bob@example.com")
    await api.register("carl", email="carl@example.com")
    old = signed_in_long_ago(root.token, settings)

    def email_change(password: str | None = None) -> dict[str, Any]:
        extra = {} if password is None else {"providedOldPassword": password}
        return {"userName": "bob", "input": {"email": "bob@new.example", **extra}}

    refused = await api.execute(UPDATE_EMAIL, email_change(), token=old)
    refused_delete = await delete(api, old, "carl")
    wrong = await api.execute(UPDATE_EMAIL, email_change("not-the-password"), token=old)
    changed = await api.execute(UPDATE_EMAIL, email_change(PASSWORD), token=old)
    deleted = await delete(api, old, "carl", PASSWORD)

    refused_for_want_of_a_recent_sign_in(refused, "providedOldPassword")
    refused_for_want_of_a_recent_sign_in(refused_delete, "password")
    assert (wrong.code, wrong.field) == ("BAD_USER_INPUT", "providedOldPassword")
    assert changed.data["updateUser"] == {"userName": "bob", "email": "bob@new.example"}, changed.body
    assert deleted.data["deleteUser"] == {"userName": "carl"}, deleted.body


async def test_an_admin_must_send_its_own_password_not_the_users(api: Api, settings: Settings) -> None:
    root = await admin(api)
    await api.register("bob", password="bobs-own-password", email="bob@example.com")
    old = signed_in_long_ago(root.token, settings)

    result = await delete(api, old, "bob", "bobs-own-password")

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")
    assert await still_there(api, "bob")


# The takeover chain of issue 20.1


async def test_a_stolen_token_can_no_longer_take_the_account_over(api: Api, settings: Settings) -> None:
    """Stolen token -> change the email to the thief's -> reset the password there: refused at the first step."""
    victim = await api.register("victim", email=ANN)
    stolen = signed_in_long_ago(victim.token, settings)

    takeover = await change_email(api, stolen, THIEF)
    reset = await api.execute(REQUEST_RESET, {"email": THIEF})
    await resolve_reset_requests(settings)

    refused_for_want_of_a_recent_sign_in(takeover, "providedOldPassword")
    assert reset.data == {"requestPasswordReset": True}  # it says nothing either way...
    assert not await OutboxMail.filter(recipient=THIEF, template="reset_password").exists()  # ...no mail to the thief
    assert await email_of(api, stolen) == ANN
    assert not (await api.login("victim", PASSWORD)).errors


@pytest.mark.parametrize("operation", ["email", "delete"])
async def test_a_refused_request_counts_no_failed_login(api: Api, settings: Settings, operation: str) -> None:
    """Asking for the password is not a wrong password: the owner is not locked out by it."""
    account = await api.register("ann", email=ANN)
    old = signed_in_long_ago(account.token, settings)

    for _ in range(settings.login_max_failures + 1):
        if operation == "email":
            await change_email(api, old, "new@example.com")
        else:
            await delete(api, old, "ann")

    assert not (await change_email(api, old, "new@example.com", providedOldPassword=PASSWORD)).errors
