"""Verifying an email address: the mailed link (at registration, on an address change, on request) and
``verifyEmail``. A token counts only while the account still has the address it was mailed to.

Every mail is written to the outbox in the transaction of the change that causes it (opened with
``services.transactions.transaction()``, whose commit wakes this process's sender).
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import User
from services import audit
from services.accounts import mail_links
from services.accounts.validation import email_key
from services.client import Client
from services.errors import InvalidInput
from services.identity import one_time_tokens
from services.identity.one_time_tokens import VERIFY_EMAIL
from services.mail import outbox
from services.people import lookup
from services.security_events import Kind
from services.throttle import Throttle
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings


async def mail_verification(*, user: User, email: str, settings: Settings, user_name: str | None = None) -> None:
    """Mail a verification link for ``email`` (inside the caller's transaction)."""
    token = await one_time_tokens.issue(
        user=user, purpose=VERIFY_EMAIL, email=email, ttl=settings.verify_email_ttl, settings=settings, void_older=False
    )
    data = {
        "user_name": user_name or user.user_name,
        "link": mail_links.link(settings.verify_email_url, token),
        "token": token,
        "valid_for": mail_links.duration(settings.verify_email_ttl),
    }
    await outbox.enqueue(template="verify_email", to=email, data=data)


async def request_email_verification(*, user: User, settings: Settings, throttle: Throttle, client: Client) -> None:
    if not user.email:
        raise InvalidInput("The account has no email address to verify; set one with updateProfile first.")
    await mail_links.count_mail_request(throttle, email_key(user.email), client)
    async with transaction():
        await mail_verification(user=user, email=user.email, settings=settings)


async def verify_email(*, token: str, settings: Settings, client: Client) -> User:
    """Mark the address the token was sent to verified, if it is still the account's address."""
    record = await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=settings)
    async with in_transaction():
        await one_time_tokens.consume(record)
        # Read under the row's lock, not from the UPDATE's row count: MariaDB counts only rows it changed, and
        # an address verified already is not changed.
        locked = await User.filter(id=record.user_id, email_key=email_key(record.email)).select_for_update().first()
        if locked is None:
            raise one_time_tokens.invalid()  # the account moved to another address since: this token proves nothing
        # Conditional on the flag: its count is 1 only when this verifies the address (matched = changed, so
        # MariaDB agrees); an address verified already is no change and raises no event.
        if await User.filter(id=record.user_id, email_verified=False).update(email_verified=True):
            await emit("user.email_verified", payloads.email_verified(locked, record.email))
    user = await lookup.by_id(record.user_id)
    if user is None:
        raise one_time_tokens.invalid()
    await audit.record(Kind.EMAIL_VERIFIED, user_id=user.id, client=client)
    return user
