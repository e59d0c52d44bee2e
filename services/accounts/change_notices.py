"""The mails an account change causes, written in the change's transaction: a new address is unverified and
gets a verification link, the old one a notice with an undo link (services.accounts.email_undo); a password
change a notice to the address now in effect."""

from __future__ import annotations

from collections.abc import Mapping

from models import User
from services.accounts import email_undo
from services.accounts.email_verification import mail_verification
from services.mail import outbox
from settings import Settings


async def mail_account_changes(
    *, before: User, changes: Mapping[str, object], password_changed: bool, settings: Settings
) -> None:
    """The mails an update causes, inside its transaction: a new email is unverified and gets a
    verification, the old one a notice; a password change a notice to the address now in effect."""
    user_name = str(changes.get("user_name", before.user_name))
    email = changes.get("email", before.email)
    if "email_key" in changes and changes["email_key"] != before.email_key:
        await User.filter(id=before.id).update(email_verified=False)
        if before.email:
            await email_undo.mail_notice(user=before, old_email=before.email, user_name=user_name, settings=settings)
        if isinstance(email, str):
            await mail_verification(user=before, email=email, settings=settings, user_name=user_name)
    if password_changed and isinstance(email, str):
        await outbox.enqueue(template="password_changed", to=email, data={"user_name": user_name})
