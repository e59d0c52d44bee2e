"""Undoing an email change from the old address (issue 20.1, README Email): the notice mailed there carries a
single-use link; undoEmailChange restores the old address as verified, ends every session and access token,
and records EMAIL_CHANGE_UNDONE. Mails are read from the outbox, where no sender runs in these tests."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from models import OneTimeToken, OutboxMail
from settings import Settings
from tests.support import PASSWORD, REFRESH, UPDATE_PROFILE, Api, Result, resolve_reset_requests

ANN = "ann@example.com"
THIEF = "thief@evil.example"
UNDO = "mutation Undo($token: String!) { undoEmailChange(token: $token) }"
ME_EMAIL = "query Me { me { email emailVerified } }"
EVENTS = "query Events { securityEvents(first: 20) { edges { node { kind } } } }"
REQUEST_RESET = "mutation Reset($email: String!) { requestPasswordReset(email: $email) }"
RACERS = 10
RESET = "mutation Reset($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }"


async def mailed(template: str, to: str) -> list[dict[str, str]]:
    """The data (link, token...) of the mails of ``template`` written to ``to``, oldest first."""
    mails = await OutboxMail.filter(template=template, recipient=to).order_by("id")
    return [json.loads(mail.data) for mail in mails]


async def undo_link(to: str) -> str:
    """The token of the newest email-change notice mailed to ``to``, after checking its link carries it."""
    notices = await mailed("email_changed", to)
    assert notices, f"no email-change notice was mailed to {to}"
    return notices[-1]["token"]


async def change_email(api: Api, token: str, email: str) -> None:
    result = await api.execute(UPDATE_PROFILE, {"input": {"email": email}}, token=token)
    assert not result.errors, result.body


async def undo(api: Api, token: str) -> Result:
    return await api.execute(UNDO, {"token": token})


async def signed_in(api: Api, password: str = PASSWORD) -> str:
    result = await api.login("ann", password)
    assert not result.errors, result.body
    return str(result.data["login"]["accessToken"])


async def test_the_notice_links_the_undo_page(api: Api, settings: Settings) -> None:
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, THIEF)

    [notice] = await mailed("email_changed", ANN)

    assert notice["link"] == settings.undo_email_change_url.replace("{token}", notice["token"])
    assert notice["valid_for"] == "7 days"
    assert not await mailed("email_changed", THIEF)


async def test_undo_restores_the_old_address_verified_and_ends_every_session(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    other = await api.login("ann")
    await change_email(api, account.token, THIEF)
    token = await undo_link(ANN)

    result = await undo(api, token)

    assert result.data == {"undoEmailChange": True}, result.body
    for access, refresh in (
        (account.token, account.refresh_token),
        (other.data["login"]["accessToken"], other.data["login"]["refreshToken"]),
    ):
        assert (await api.me(access)).code == "UNAUTHENTICATED"
        assert (await api.execute(REFRESH, {"refreshToken": refresh})).code == "UNAUTHENTICATED"
    token_now = await signed_in(api)
    me = await api.execute(ME_EMAIL, token=token_now)
    assert me.data["me"] == {"email": ANN, "emailVerified": True}
    events = await api.execute(EVENTS, token=token_now)
    assert "EMAIL_CHANGE_UNDONE" in [edge["node"]["kind"] for edge in events.data["securityEvents"]["edges"]]


async def test_the_link_works_once(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, THIEF)
    token = await undo_link(ANN)

    first = await undo(api, token)
    second = await undo(api, token)

    assert first.data == {"undoEmailChange": True}
    assert (second.code, second.field) == ("BAD_USER_INPUT", "token")


async def test_unknown_and_expired_links_are_refused_and_change_nothing(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, THIEF)
    token = await undo_link(ANN)
    await OneTimeToken.filter(purpose="undo_email_change").update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    unknown = await undo(api, "not-a-token")
    expired = await undo(api, token)

    assert (unknown.code, unknown.field) == ("BAD_USER_INPUT", "token")
    assert (expired.code, expired.field) == ("BAD_USER_INPUT", "token")
    assert (await api.execute(ME_EMAIL, token=account.token)).data["me"]["email"] == THIEF


async def test_other_mailed_tokens_do_not_undo(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    verification = (await mailed("verify_email", ANN))[0]["token"]
    await change_email(api, account.token, THIEF)

    result = await undo(api, verification)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")


async def test_the_owner_takes_the_account_back_from_a_thief_who_knew_the_password(
    api: Api, settings: Settings
) -> None:
    """The thief changes the email and asks for a reset there; the owner's undo ends the thief's sessions
    and the reset link the thief got, and the owner's own reset mail comes to the owner."""
    await api.register("ann", email=ANN)
    thief = await signed_in(api)
    await change_email(api, thief, THIEF)
    await api.execute(REQUEST_RESET, {"email": THIEF})
    await resolve_reset_requests(settings)
    [thiefs_reset] = await mailed("reset_password", THIEF)

    assert (await undo(api, await undo_link(ANN))).data == {"undoEmailChange": True}
    thiefs_attempt = await api.execute(RESET, {"token": thiefs_reset["token"], "password": "thief-owns-it-now"})
    await api.execute(REQUEST_RESET, {"email": ANN})
    await resolve_reset_requests(settings)
    [owners_reset] = await mailed("reset_password", ANN)
    owners = await api.execute(RESET, {"token": owners_reset["token"], "password": "owner-has-it-back"})

    assert (await api.me(thief)).code == "UNAUTHENTICATED"
    assert (thiefs_attempt.code, thiefs_attempt.field) == ("BAD_USER_INPUT", "token")
    assert owners.data == {"resetPassword": True}, owners.body
    assert not (await api.login("ann", "owner-has-it-back")).errors


async def test_a_link_undoes_the_later_changes_too_and_theirs_die(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, "second@example.com")
    first_link = await undo_link(ANN)
    await change_email(api, account.token, "third@example.com")
    second_link = await undo_link("second@example.com")

    first = await undo(api, first_link)
    second = await undo(api, second_link)

    assert first.data == {"undoEmailChange": True}
    assert (second.code, second.field) == ("BAD_USER_INPUT", "token")
    me = await api.execute(ME_EMAIL, token=await signed_in(api))
    assert me.data["me"] == {"email": ANN, "emailVerified": True}


async def test_a_later_link_leaves_the_earlier_one_working(api: Api) -> None:
    """The second address's owner undoes the second change; the first address's owner can still undo the first."""
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, "second@example.com")
    first_link = await undo_link(ANN)
    await change_email(api, account.token, "third@example.com")
    second_link = await undo_link("second@example.com")

    assert (await undo(api, second_link)).data == {"undoEmailChange": True}
    assert (await api.execute(ME_EMAIL, token=await signed_in(api))).data["me"]["email"] == "second@example.com"
    assert (await undo(api, first_link)).data == {"undoEmailChange": True}
    assert (await api.execute(ME_EMAIL, token=await signed_in(api))).data["me"]["email"] == ANN


async def test_an_address_taken_since_is_a_conflict_and_the_link_stays(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, THIEF)
    token = await undo_link(ANN)
    await api.register("bob", email=ANN)

    result = await undo(api, token)

    assert (result.code, result.field) == ("CONFLICT", "token")
    assert (await api.execute(ME_EMAIL, token=account.token)).data["me"]["email"] == THIEF  # nothing changed
    assert await OneTimeToken.filter(purpose="undo_email_change", used_at=None).exists()


async def test_of_requests_racing_with_one_link_one_undoes(api: Api) -> None:
    account = await api.register("ann", email=ANN)
    await change_email(api, account.token, THIEF)
    token = await undo_link(ANN)
    barrier = asyncio.Barrier(RACERS)

    async def racer() -> Result:
        await barrier.wait()
        return await undo(api, token)

    results = await asyncio.gather(*(racer() for _ in range(RACERS)))

    assert sum(result.data == {"undoEmailChange": True} for result in results) == 1
    assert {(r.code, r.field) for r in results if r.errors} == {("BAD_USER_INPUT", "token")}
