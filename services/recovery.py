"""Mail-backed account recovery: verify an email address, reset a forgotten password, and the
mails an account change causes (verification of a new address, notices of email and password changes; the
notice to an old address carries an undo link, services.accounts.email_undo).

Every mail is written to the outbox in the transaction of the change that causes it (opened with
``services.transactions.transaction()``, whose commit wakes this process's sender).
"""

from __future__ import annotations

from collections.abc import Mapping

from tortoise.transactions import in_transaction

from models import User
from services import audit
from services.accounts import email_undo
from services.accounts.validation import clean_email, clean_new_password, email_key
from services.errors import Conflict, InvalidInput
from services.identity import credentials, one_time_tokens, passwords
from services.identity.one_time_tokens import RESET_PASSWORD, VERIFY_EMAIL
from services.mail import outbox
from services.people import lookup
from services.security_events import Kind
from services.throttle import MAIL_REQUESTS, Throttle
from services.transactions import transaction
from settings import Settings


def _link(template: str, token: str) -> str:
    return template.replace("{token}", token)  # token_urlsafe: nothing in it needs escaping in a URL


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


async def _count_mail_request(throttle: Throttle, email: str, address: str) -> None:
    await throttle.reserve(
        *MAIL_REQUESTS,
        message="Too many mails asked for; try again later.",
        event="mail_request_throttled",
        address=address,
        email=email,
    )


async def mail_verification(*, user: User, email: str, settings: Settings, user_name: str | None = None) -> None:
    """Mail a verification link for ``email`` (inside the caller's transaction)."""
    token = await one_time_tokens.issue(
        user=user, purpose=VERIFY_EMAIL, email=email, ttl=settings.verify_email_ttl, settings=settings, void_older=False
    )
    data = {
        "user_name": user_name or user.user_name,
        "link": _link(settings.verify_email_url, token),
        "token": token,
        "valid_for": _duration(settings.verify_email_ttl),
    }
    await outbox.enqueue(template="verify_email", to=email, data=data)


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


async def request_email_verification(*, user: User, settings: Settings, throttle: Throttle, address: str) -> None:
    if not user.email:
        raise InvalidInput("The account has no email address to verify; set one with updateProfile first.")
    await _count_mail_request(throttle, email_key(user.email), address)
    async with transaction():
        await mail_verification(user=user, email=user.email, settings=settings)


async def verify_email(*, token: str, settings: Settings, address: str) -> User:
    """Mark the address the token was sent to verified, if it is still the account's address."""
    record = await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=settings)
    async with in_transaction():
        await one_time_tokens.consume(record)
        matched = await User.filter(id=record.user_id, email_key=email_key(record.email)).update(email_verified=True)
        if not matched:  # the account moved to another address since: this token proves nothing now
            raise one_time_tokens.invalid()
    user = await lookup.by_id(record.user_id)
    if user is None:
        raise one_time_tokens.invalid()
    await audit.record(Kind.EMAIL_VERIFIED, user_id=user.id, address=address)
    return user


async def request_password_reset(*, email: str, settings: Settings, throttle: Throttle, address: str) -> None:
    """Mail a reset link if an account has this address. The caller learns nothing either way."""
    key = email_key(clean_email(email))
    await _count_mail_request(throttle, key, address)  # counted whether or not the address is known
    user = await lookup.by_login_key(key)
    if user is None or user.email is None:
        await audit.record("password_reset_unknown_address", user_id=None, address=address)
        return
    async with transaction():
        token = await one_time_tokens.issue(
            user=user,
            purpose=RESET_PASSWORD,
            email=user.email,
            ttl=settings.reset_password_ttl,
            settings=settings,
            void_older=True,  # the newest reset mail is the only one that works
        )
        data = {
            "user_name": user.user_name,
            "link": _link(settings.reset_password_url, token),
            "token": token,
            "valid_for": _duration(settings.reset_password_ttl),
        }
        await outbox.enqueue(template="reset_password", to=user.email, data=data)
    await audit.record(Kind.PASSWORD_RESET_REQUESTED, user_id=user.id, address=address)


async def reset_password(
    *, token: str, new_password: str, settings: Settings, address: str, user_agent: str | None = None
) -> None:
    """Set a new password with a reset token: every session and access token ends, the address the
    token was mailed to counts as verified, and a notice goes out."""
    record = await one_time_tokens.find(token, purpose=RESET_PASSWORD, settings=settings)
    user = await lookup.by_id(record.user_id)
    # A password change since the mail (any path bumps token_version) ends the token.
    if user is None or user.token_version != record.token_version:
        raise one_time_tokens.invalid()
    new_password = clean_new_password(new_password, "newPassword", user_name=user.user_name, email=user.email)
    password_hash = await passwords.hash_password(new_password, rounds=settings.bcrypt_rounds)
    async with transaction():
        await one_time_tokens.consume(record)  # of two requests with one token, one gets past here
        try:  # compare-and-set on the token version the token was issued with
            await credentials.set_password(user=user, password_hash=password_hash)
        except Conflict:
            raise one_time_tokens.invalid() from None
        await User.filter(id=user.id, email_key=email_key(record.email)).update(email_verified=True)
        if user.email:
            await outbox.enqueue(template="password_changed", to=user.email, data={"user_name": user.user_name})
    await audit.record(
        Kind.PASSWORD_CHANGED, event="password_reset", user_id=user.id, address=address, user_agent=user_agent
    )
