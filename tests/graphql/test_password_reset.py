"""Forgotten passwords over real SMTP: requestPasswordReset mails a token, resetPassword spends it once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from models import OneTimeToken, OutboxMail
from settings import Settings
from tests.support import LOGOUT_ALL, PASSWORD, REFRESH, Api
from tests.support.mail import Mailer, mailer_for, outbox_drained, text_of, token_in, until

REQUEST_RESET = "mutation Forgot($email: String!) { requestPasswordReset(email: $email) }"
RESET = (
    "mutation Reset($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }"
)
EVENT_KINDS = "query Events { securityEvents(first: 10) { edges { node { kind } } } }"
ME_EMAIL = "query Me { me { email emailVerified } }"
UPDATE_PROFILE = "mutation Update($input: UpdateUserInput!) { updateProfile(input: $input) { userName } }"

ANN = "ann@example.com"
NEW_PASSWORD = "brand_new_secret_77"
ROUNDS = 20


@pytest.fixture
async def mail(db: str, settings: Settings) -> AsyncIterator[Mailer]:
    async with mailer_for(db, settings) as mailer:
        yield mailer


async def _reset_token(mail: Mailer, address: str = ANN, count: int = 1) -> str:
    assert (await mail.api.execute(REQUEST_RESET, {"email": address})).data == {"requestPasswordReset": True}
    return token_in((await mail.sink.wait_for(address, "reset", count=count))[-1])


async def test_forgot_reset_ends_every_session_and_the_new_password_works(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    token = await _reset_token(mail)

    reset = await mail.api.execute(RESET, {"token": token, "newPassword": NEW_PASSWORD})
    old_access = await mail.api.me(account.token)
    old_refresh = await mail.api.execute(REFRESH, {"refreshToken": account.refresh_token})
    old_password = await mail.api.login("ann", PASSWORD)
    new_password = await mail.api.login("ann", NEW_PASSWORD)
    [notice] = await mail.sink.wait_for(ANN, "password was changed")

    assert reset.data == {"resetPassword": True}
    assert old_access.code == "UNAUTHENTICATED"
    assert old_refresh.code == "UNAUTHENTICATED"
    assert old_password.code == "UNAUTHENTICATED"
    assert new_password.data["login"]["user"]["userName"] == "ann"
    me = await mail.api.execute(ME_EMAIL, token=new_password.data["login"]["accessToken"])
    assert me.data["me"] == {"email": ANN, "emailVerified": True}  # reading the mail proved the address
    assert NEW_PASSWORD not in text_of(notice)
    events = await mail.api.execute(EVENT_KINDS, token=new_password.data["login"]["accessToken"])
    kinds = [edge["node"]["kind"] for edge in events.data["securityEvents"]["edges"]]
    # Newest first: the new password's login, the old one's failure, and the reset itself.
    assert kinds[:3] == ["LOGIN", "LOGIN_FAILED", "PASSWORD_CHANGED"]


async def test_a_reset_token_works_once(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = await _reset_token(mail)

    first = await mail.api.execute(RESET, {"token": token, "newPassword": NEW_PASSWORD})
    second = await mail.api.execute(RESET, {"token": token, "newPassword": "yet_another_pass_99"})

    assert first.data == {"resetPassword": True}
    assert (second.code, second.field) == ("BAD_USER_INPUT", "token")
    assert not (await mail.api.login("ann", NEW_PASSWORD)).errors


async def test_a_newer_reset_kills_the_older_token(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    older = await _reset_token(mail)
    newer = await _reset_token(mail, count=2)

    with_older = await mail.api.execute(RESET, {"token": older, "newPassword": NEW_PASSWORD})
    with_newer = await mail.api.execute(RESET, {"token": newer, "newPassword": NEW_PASSWORD})

    assert (with_older.code, with_older.field) == ("BAD_USER_INPUT", "token")
    assert with_newer.data == {"resetPassword": True}


@pytest.mark.parametrize("path", ["password change", "logoutAll"])
async def test_a_password_change_or_logout_all_kills_the_token(mail: Mailer, path: str) -> None:
    account = await mail.api.register("ann", email=ANN)
    token = await _reset_token(mail)
    if path == "password change":
        changes = {"providedOldPassword": PASSWORD, "providedNewPassword": "changed_it_myself_5"}
        assert not (await mail.api.execute(UPDATE_PROFILE, {"input": changes}, token=account.token)).errors
    else:
        assert not (await mail.api.execute(LOGOUT_ALL, token=account.token)).errors

    result = await mail.api.execute(RESET, {"token": token, "newPassword": NEW_PASSWORD})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")


async def test_a_reset_token_dies_when_the_account_moves_to_another_address(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = await _reset_token(mail)  # mailed to ANN
    fresh = (await mail.api.login("ann", PASSWORD)).data["login"]["accessToken"]  # a fresh sign-in
    moved = await mail.api.execute(UPDATE_PROFILE, {"input": {"email": "ann@new.example"}}, token=fresh)
    assert not moved.errors, moved.body

    result = await mail.api.execute(RESET, {"token": token, "newPassword": NEW_PASSWORD})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")
    assert not (await mail.api.login("ann", PASSWORD)).errors  # the password is unchanged
    me = await mail.api.execute(ME_EMAIL, token=fresh)
    assert me.data["me"] == {"email": "ann@new.example", "emailVerified": False}


async def test_a_weak_new_password_is_refused_and_the_token_still_works(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = await _reset_token(mail)

    weak = await mail.api.execute(RESET, {"token": token, "newPassword": "password"})
    short = await mail.api.execute(RESET, {"token": token, "newPassword": "abc"})
    good = await mail.api.execute(RESET, {"token": token, "newPassword": NEW_PASSWORD})

    assert (weak.code, weak.field) == ("BAD_USER_INPUT", "newPassword")
    assert (short.code, short.field) == ("BAD_USER_INPUT", "newPassword")
    assert good.data == {"resetPassword": True}


async def test_an_expired_reset_token_is_refused(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = await _reset_token(mail)
    await OneTimeToken.filter(purpose="reset_password").update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    result = await mail.api.execute(RESET, {"token": token, "newPassword": NEW_PASSWORD})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")
    assert not (await mail.api.login("ann", PASSWORD)).errors


async def test_a_verification_token_is_no_reset_token(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    verification = token_in((await mail.sink.wait_for(ANN, "confirm"))[0])

    result = await mail.api.execute(RESET, {"token": verification, "newPassword": NEW_PASSWORD})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")


async def test_known_unknown_and_unverified_addresses_get_the_same_answer(mail: Mailer) -> None:
    verified = await mail.api.register("ann", email=ANN)
    await mail.api.register("bob", email="bob@example.com")  # never verified
    token = token_in((await mail.sink.wait_for(ANN, "confirm"))[0])
    verify = "mutation V($token: String!) { verifyEmail(token: $token) { emailVerified } }"
    assert (await mail.api.execute(verify, {"token": token})).data["verifyEmail"]["emailVerified"]
    assert verified.user["email"] == ANN

    answers = [
        await mail.api.client.post("/graphql", json={"query": REQUEST_RESET, "variables": {"email": address}})
        for address in (ANN, "nobody@example.com", "bob@example.com")
    ]
    await outbox_drained()

    assert len({(answer.status_code, answer.content) for answer in answers}) == 1
    assert answers[0].json() == {"data": {"requestPasswordReset": True}}
    assert len(mail.sink.to(ANN, "reset")) == 1
    assert len(mail.sink.to("bob@example.com", "reset")) == 1
    assert mail.sink.to("nobody@example.com") == []


async def test_a_request_keeps_nothing_of_an_unknown_address_once_resolved(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    await outbox_drained()

    for address in ("nobody@example.com", ANN):
        assert (await mail.api.execute(REQUEST_RESET, {"email": address})).data == {"requestPasswordReset": True}
    await outbox_drained()

    rows = await OutboxMail.all().values_list("recipient", "data")
    assert not any("nobody" in recipient or "nobody" in data for recipient, data in rows)
    assert len(mail.sink.to(ANN, "reset")) == 1


async def test_a_request_made_while_smtp_is_down_is_mailed_when_it_is_back(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    await mail.sink.wait_for(ANN, "confirm")
    await mail.sink.stop()

    asked = await mail.api.execute(REQUEST_RESET, {"email": ANN})
    await until(lambda: OutboxMail.filter(template="reset_password", attempts__gte=1).exists())  # a try failed
    await mail.sink.start()
    [message] = await mail.sink.wait_for(ANN, "reset")

    assert asked.data == {"requestPasswordReset": True}
    reset = await mail.api.execute(RESET, {"token": token_in(message), "newPassword": NEW_PASSWORD})
    assert reset.data == {"resetPassword": True}


async def test_a_malformed_address_is_bad_input(mail: Mailer) -> None:
    result = await mail.api.execute(REQUEST_RESET, {"email": "not an address"})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "email")


async def test_requests_are_throttled_per_client_address(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, password_reset_max_per_address=3) as mail:
        answers = [await mail.api.execute(REQUEST_RESET, {"email": f"someone{i}@example.com"}) for i in range(4)]
        async with mail.api_from("10.0.0.9") as elsewhere:
            other = await elsewhere.execute(REQUEST_RESET, {"email": "someone9@example.com"})

    assert [a.data for a in answers[:3]] == [{"requestPasswordReset": True}] * 3
    assert answers[3].code == "TOO_MANY_REQUESTS"
    assert 0 < answers[3].error["extensions"]["retryAfter"] <= 3600
    assert other.data == {"requestPasswordReset": True}


async def test_requests_are_throttled_per_email_address(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, password_reset_max_per_email=2) as mail:
        await mail.api.register("ann", email=ANN)
        answers = []
        for i in range(3):
            async with mail.api_from(f"10.0.0.{i + 1}") as client:
                answers.append(await client.execute(REQUEST_RESET, {"email": ANN.upper()}))
        await outbox_drained()
        mailed = len(mail.sink.to(ANN, "reset"))

    assert [a.data for a in answers[:2]] == [{"requestPasswordReset": True}] * 2
    assert answers[2].code == "TOO_MANY_REQUESTS"
    assert answers[2].error["extensions"]["retryAfter"] > 0
    assert mailed == 2


async def _race(api: Api, token: str, passwords: tuple[str, str]) -> list[bool]:
    barrier = asyncio.Barrier(2)

    async def reset(password: str) -> bool:
        await barrier.wait()
        result = await api.execute(RESET, {"token": token, "newPassword": password})
        assert result.errors or result.data == {"resetPassword": True}, result.body
        return not result.errors

    return list(await asyncio.gather(*(reset(p) for p in passwords)))


async def test_two_resets_with_one_token_at_once_exactly_one_wins(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, password_reset_max_per_email=ROUNDS, rate_limit_enabled=False) as mail:
        await mail.api.register("ann", email=ANN)
        for round_ in range(ROUNDS):
            token = await _reset_token(mail, count=round_ + 1)
            passwords = (f"first_choice_{round_}x", f"second_choice_{round_}y")

            outcome = await _race(mail.api, token, passwords)

            assert sorted(outcome) == [False, True], round_
            winner = passwords[outcome.index(True)]
            loser = passwords[outcome.index(False)]
            assert not (await mail.api.login("ann", winner)).errors
            assert (await mail.api.login("ann", loser)).code == "UNAUTHENTICATED"
