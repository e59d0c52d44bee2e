"""Email verification over real SMTP: registration and email changes mail a link, verifyEmail proves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from models import OneTimeToken, OutboxMail
from settings import Settings
from tests.support import PASSWORD, Account
from tests.support.mail import Mailer, html_of, mailer_for, outbox_drained, text_of, token_in
from tests.support.social import APPROVE, FOLLOW, MAKE_PRIVATE

VERIFY_EMAIL = "mutation Verify($token: String!) { verifyEmail(token: $token) { userName email emailVerified } }"
REQUEST_VERIFICATION = "mutation RequestVerification { requestEmailVerification }"
ME_EMAIL = "query Me { me { email emailVerified } }"
OTHER_USER = "query Other($userName: String!) { user(userName: $userName) { userName emailVerified } }"
UPDATE_PROFILE = """
mutation Update($input: UpdateUserInput!) { updateProfile(input: $input) { email emailVerified } }
"""

VERIFY_EVERYTHING = """
mutation Verify($token: String!) {
  verifyEmail(token: $token) {
    userName email emailVerified phoneNumber twoFactorEnabled profile { pushNotifications }
    followers(first: 5) { totalCount edges { node { userName } } }
  }
}"""
VERIFY_IS_ADMIN = "mutation Verify($token: String!) { verifyEmail(token: $token) { userName isAdmin } }"
STRANGER_VIEW = """
query Stranger($userName: String!) {
  user(userName: $userName) {
    userName email phoneNumber twoFactorEnabled profile { pushNotifications }
    followers(first: 5) { totalCount edges { node { userName } } }
  }
}"""

ANN = "ann@example.com"
PHONE = "+16502530000"


@pytest.fixture
async def mail(db: str, settings: Settings) -> AsyncIterator[Mailer]:
    async with mailer_for(db, settings) as mailer:
        yield mailer


async def test_register_mail_verify_then_email_is_verified(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    assert account.user["email"] == ANN

    [message] = await mail.sink.wait_for(ANN, "confirm")
    token = token_in(message)
    before = await mail.api.execute(ME_EMAIL, token=account.token)
    verified = await mail.api.execute(VERIFY_EMAIL, {"token": token})
    after = await mail.api.execute(ME_EMAIL, token=account.token)

    assert message["From"] == mail.settings.mail_from
    assert text_of(message).count(token) == 2  # in the link, and as a code to paste
    assert mail.settings.verify_email_url.replace("{token}", token) in text_of(message)
    assert token in html_of(message)
    assert before.data["me"] == {"email": ANN, "emailVerified": False}
    # Without a session the token holder sees that the address is verified, not the address itself.
    assert verified.data["verifyEmail"] == {"userName": "ann", "email": None, "emailVerified": True}
    assert after.data["me"] == {"email": ANN, "emailVerified": True}


async def test_a_verification_token_works_once(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = token_in((await mail.sink.wait_for(ANN, "confirm"))[0])

    first = await mail.api.execute(VERIFY_EMAIL, {"token": token})
    second = await mail.api.execute(VERIFY_EMAIL, {"token": token})

    assert not first.errors
    assert (second.code, second.field) == ("BAD_USER_INPUT", "token")


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 5000])
async def test_unknown_tokens_are_one_error(mail: Mailer, token: str) -> None:
    result = await mail.api.execute(VERIFY_EMAIL, {"token": token})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")
    assert result.data is None


async def test_an_expired_verification_token_is_refused(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = token_in((await mail.sink.wait_for(ANN, "confirm"))[0])
    await OneTimeToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))  # a day later

    result = await mail.api.execute(VERIFY_EMAIL, {"token": token})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")


async def test_email_verified_is_private_like_email(mail: Mailer) -> None:
    ann = await mail.api.register("ann", email=ANN)
    bob = await mail.api.register("bob", email="bob@example.com")

    seen_by_bob = await mail.api.execute(OTHER_USER, {"userName": "ann"}, token=bob.token)
    seen_by_ann = await mail.api.execute(OTHER_USER, {"userName": "ann"}, token=ann.token)

    assert seen_by_bob.data["user"] == {"userName": "ann", "emailVerified": None}
    assert seen_by_ann.data["user"] == {"userName": "ann", "emailVerified": False}


async def test_request_email_verification_mails_a_new_link(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    await mail.sink.wait_for(ANN, "confirm")

    anonymous = await mail.api.execute(REQUEST_VERIFICATION)
    asked = await mail.api.execute(REQUEST_VERIFICATION, token=account.token)
    [_, again] = await mail.sink.wait_for(ANN, "confirm", count=2)
    verified = await mail.api.execute(VERIFY_EMAIL, {"token": token_in(again)})

    assert anonymous.code == "UNAUTHENTICATED"
    assert asked.data == {"requestEmailVerification": True}
    assert verified.data["verifyEmail"]["emailVerified"] is True


async def test_a_second_link_to_the_same_address_still_works(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    await mail.api.execute(REQUEST_VERIFICATION, token=account.token)
    first, second = await mail.sink.wait_for(ANN, "confirm", count=2)

    one = await mail.api.execute(VERIFY_EMAIL, {"token": token_in(first)})
    two = await mail.api.execute(VERIFY_EMAIL, {"token": token_in(second)})  # the address is verified already

    assert not one.errors and not two.errors, two.body
    assert two.data["verifyEmail"]["emailVerified"] is True


async def test_request_email_verification_without_an_email_is_bad_input(mail: Mailer) -> None:
    account = await mail.api.register("ann")

    result = await mail.api.execute(REQUEST_VERIFICATION, token=account.token)
    await outbox_drained()

    assert result.code == "BAD_USER_INPUT"
    assert mail.sink.received == []
    assert not await OutboxMail.exists()


async def test_an_email_change_unverifies_mails_both_addresses_and_kills_old_links(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    first_token = token_in((await mail.sink.wait_for(ANN, "confirm"))[0])
    assert not (await mail.api.execute(VERIFY_EMAIL, {"token": first_token})).errors
    await mail.api.execute(REQUEST_VERIFICATION, token=account.token)
    unused_token = token_in((await mail.sink.wait_for(ANN, "confirm", count=2))[1])

    changed = await mail.api.execute(UPDATE_PROFILE, {"input": {"email": "ann@new.example"}}, token=account.token)
    [notice] = await mail.sink.wait_for(ANN, "changed")
    [verification] = await mail.sink.wait_for("ann@new.example", "confirm")
    old_link = await mail.api.execute(VERIFY_EMAIL, {"token": unused_token})
    new_link = await mail.api.execute(VERIFY_EMAIL, {"token": token_in(verification)})

    undo_token = token_in(notice)  # the notice's only link undoes the change (test_email_undo.py); it verifies nothing
    verify_with_undo = await mail.api.execute(VERIFY_EMAIL, {"token": undo_token})

    assert changed.data["updateProfile"] == {"email": "ann@new.example", "emailVerified": False}
    assert mail.settings.undo_email_change_url.replace("{token}", undo_token) in text_of(notice)
    assert (verify_with_undo.code, verify_with_undo.field) == ("BAD_USER_INPUT", "token")
    assert (old_link.code, old_link.field) == ("BAD_USER_INPUT", "token")
    assert new_link.data["verifyEmail"] == {"userName": "ann", "email": None, "emailVerified": True}


async def test_a_link_to_an_address_the_account_left_is_useless(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    await mail.api.execute(UPDATE_PROFILE, {"input": {"email": "second@example.com"}}, token=account.token)
    second_token = token_in((await mail.sink.wait_for("second@example.com", "confirm"))[0])
    await mail.api.execute(UPDATE_PROFILE, {"input": {"email": "third@example.com"}}, token=account.token)

    result = await mail.api.execute(VERIFY_EMAIL, {"token": second_token})
    me = await mail.api.execute(ME_EMAIL, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "token")
    assert me.data["me"] == {"email": "third@example.com", "emailVerified": False}


async def test_a_password_change_mails_a_notice(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    changes = {"providedOldPassword": PASSWORD, "providedNewPassword": "another_secret_42"}

    result = await mail.api.execute(UPDATE_PROFILE, {"input": changes}, token=account.token)
    [notice] = await mail.sink.wait_for(ANN, "password was changed")

    assert not result.errors
    assert "another_secret_42" not in text_of(notice) and "token" not in text_of(notice)


async def test_registration_without_email_mails_nothing(mail: Mailer) -> None:
    await mail.api.register("ann")
    await outbox_drained()

    assert mail.sink.received == []


async def _private_ann_with_a_follower(mail: Mailer) -> tuple[Account, str]:
    """ann: an email, a phone number, a private account that bob follows; and her registration's token."""
    ann = await mail.api.register("ann", email=ANN, phoneNumber=PHONE)
    bob = await mail.api.register("bob")
    assert not (await mail.api.execute(MAKE_PRIVATE, {"on": True}, token=ann.token)).errors
    assert not (await mail.api.execute(FOLLOW, {"userName": "ann"}, token=bob.token)).errors
    assert not (await mail.api.execute(APPROVE, {"userName": "bob"}, token=ann.token)).errors
    return ann, token_in((await mail.sink.wait_for(ANN, "confirm"))[0])


async def test_verify_email_without_a_session_shows_nothing_private(mail: Mailer) -> None:
    ann, token = await _private_ann_with_a_follower(mail)
    carol = await mail.api.register("carol")

    verified = await mail.api.execute(VERIFY_EVERYTHING, {"token": token})
    stranger = await mail.api.execute(STRANGER_VIEW, {"userName": "ann"}, token=carol.token)
    me = await mail.api.execute(ME_EMAIL, token=ann.token)

    assert verified.data["verifyEmail"] == {
        "userName": "ann",
        "email": None,
        "emailVerified": True,  # what the token proved, and all the verification page needs
        "phoneNumber": None,
        "twoFactorEnabled": None,
        "profile": {"pushNotifications": None},
        "followers": None,  # a private account's list: hidden
    }
    assert [(e["path"], e["extensions"]["code"]) for e in verified.errors] == [
        (["verifyEmail", "followers"], "UNAUTHENTICATED")  # as anywhere without a session
    ]
    # What a signed-in stranger reads of ann, less emailVerified; the list is FORBIDDEN to a stranger.
    assert {**stranger.data["user"], "emailVerified": True} == verified.data["verifyEmail"]
    assert me.data["me"] == {"email": ANN, "emailVerified": True}


async def test_verify_email_without_a_session_does_not_tell_is_admin(mail: Mailer) -> None:
    ann = await mail.api.register("ann", email=ANN)
    token = token_in((await mail.sink.wait_for(ANN, "confirm"))[0])

    verified = await mail.api.execute(VERIFY_IS_ADMIN, {"token": token})
    me = await mail.api.execute(ME_EMAIL, token=ann.token)

    assert not verified.errors, verified.body
    assert verified.data == {"verifyEmail": {"userName": "ann", "isAdmin": None}}  # as user(userName:), a stranger
    assert me.data["me"] == {"email": ANN, "emailVerified": True}  # the address is verified all the same


async def test_verify_email_with_the_owners_session_shows_the_owners_view(mail: Mailer) -> None:
    ann, token = await _private_ann_with_a_follower(mail)

    as_owner = VERIFY_EVERYTHING.replace("userName email", "userName isAdmin email")
    verified = await mail.api.execute(as_owner, {"token": token}, token=ann.token)

    assert not verified.errors, verified.body
    assert verified.data["verifyEmail"] == {
        "userName": "ann",
        "isAdmin": False,
        "email": ANN,
        "emailVerified": True,
        "phoneNumber": PHONE,
        "twoFactorEnabled": False,
        "profile": {"pushNotifications": False},
        "followers": {"totalCount": 1, "edges": [{"node": {"userName": "bob"}}]},
    }
