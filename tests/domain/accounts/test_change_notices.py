"""The mails an account change causes (README, Email), written in the change's transaction: a new address is
unverified and gets a verification link, the old one a notice with an undo link, a password change a notice
to the address now in effect."""

from __future__ import annotations

from models import OutboxMail, User
from services.accounts import change_notices
from services.accounts.validation import email_key
from services.transactions import transaction
from settings import Settings
from tests.domain.accounts.conftest import Register
from tests.domain.accounts.support import mails


async def test_a_new_address_gets_a_verification_and_the_old_one_a_notice(
    register: Register, settings: Settings
) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await User.filter(id=ann.id).update(email_verified=True)
    changes = {"email": "new@example.com", "email_key": email_key("new@example.com"), "user_name": "Ann2"}

    async with transaction():
        await change_notices.mail_account_changes(before=ann, changes=changes, password_changed=True, settings=settings)

    assert (await User.get(id=ann.id)).email_verified is False
    assert [m["user_name"] for m in await mails("email_changed", "ann@example.com")] == ["Ann2"]
    assert [m["user_name"] for m in await mails("verify_email", "new@example.com")] == ["Ann2"]
    assert await mails("password_changed") == [{"user_name": "Ann2"}]
    assert await OutboxMail.filter(recipient="new@example.com", template="password_changed").count() == 1


async def test_a_first_address_gets_no_notice_and_a_cleared_one_nothing(register: Register, settings: Settings) -> None:
    ann = (await register("ann")).user
    bob = (await register("bob", email="bob@example.com")).user
    await OutboxMail.all().delete()

    async with transaction():
        first = {"email": "ann@example.com", "email_key": email_key("ann@example.com")}
        await change_notices.mail_account_changes(before=ann, changes=first, password_changed=False, settings=settings)
        cleared = {"email": None, "email_key": None}
        await change_notices.mail_account_changes(before=bob, changes=cleared, password_changed=True, settings=settings)

    assert [m.recipient for m in await OutboxMail.filter(template="email_changed")] == ["bob@example.com"]
    assert [m.recipient for m in await OutboxMail.filter(template="verify_email")] == ["ann@example.com"]
    assert await mails("password_changed") == []  # no address left to tell


async def test_an_unchanged_address_mails_nothing(register: Register, settings: Settings) -> None:
    ann = (await register("ann", email="ann@example.com")).user
    await OutboxMail.all().delete()

    async with transaction():
        same = {"email": "ann@example.com", "email_key": email_key("ann@example.com"), "bio": "Hi"}
        await change_notices.mail_account_changes(before=ann, changes=same, password_changed=False, settings=settings)

    assert await OutboxMail.all().count() == 0
