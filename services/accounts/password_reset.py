"""Resetting a forgotten password: ``requestPasswordReset`` queues a request that the mail sender resolves
(so the caller learns nothing, not even by timing), and ``resetPassword`` with the mailed token.

A reset token counts only while the account has the address it was mailed to and its password is unchanged.
"""

from __future__ import annotations

import json

from models import OneTimeToken, OutboxMail, User
from services import audit
from services.accounts import mail_links
from services.accounts.validation import clean_email, clean_new_password, email_key
from services.client import Client
from services.errors import AccountError, Conflict, InvalidInput, together
from services.identity import credentials, one_time_tokens, passwords
from services.identity.one_time_tokens import RESET_PASSWORD
from services.mail import outbox
from services.people import lookup
from services.security_events import Kind
from services.throttle import Throttle
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

# An outbox row that is no mail yet: a reset request, which the sender resolves (resolve_reset_request).
RESET_REQUEST = "reset_password_request"
RESET_ORDER = ("token", "newPassword")  # resetPassword's arguments, the order their errors are reported in


async def request_password_reset(*, email: str, settings: Settings, throttle: Throttle, client: Client) -> None:
    """Queue a reset request for this address. The caller learns nothing either way, not even by timing:
    the request does the same work whatever the address (one outbox row, no lookup), and the background
    sender resolves it later (``resolve_reset_request``)."""
    cleaned = clean_email(email)
    key = email_key(cleaned)
    await mail_links.count_mail_request(throttle, key, client)  # counted whether or not the address is known
    await outbox.enqueue(template=RESET_REQUEST, to=cleaned, data={"email_key": key, "address": client.address})


async def resolve_reset_request(request: OutboxMail, settings: Settings) -> None:
    """Turn a claimed reset request into a reset mail if an account has its address, else into nothing.

    One transaction: the request is marked done (a compare-and-set on the claim, so a sender whose lease
    ran out changes nothing) with the token and the mail written, so a request yields one mail at most.
    """
    data = json.loads(request.data)
    async with transaction():
        if not await outbox.resolved(request):
            return
        user = await lookup.by_login_key(str(data["email_key"]))
        if user is not None and user.email is not None:
            token = await one_time_tokens.issue(
                user=user,
                purpose=RESET_PASSWORD,
                email=user.email,
                ttl=settings.reset_password_ttl,
                settings=settings,
                void_older=True,  # the newest reset mail is the only one that works
            )
            mail = {
                "user_name": user.user_name,
                "link": mail_links.link(settings.reset_password_url, token),
                "token": token,
                "valid_for": mail_links.duration(settings.reset_password_ttl),
            }
            await outbox.enqueue(template="reset_password", to=user.email, data=mail)
    if user is None or user.email is None:
        await audit.record("password_reset_unknown_address", user_id=None, client=Client(str(data["address"])))
        return
    await audit.record(Kind.PASSWORD_RESET_REQUESTED, user_id=user.id, client=Client(str(data["address"])))


async def reset_password(*, token: str, new_password: str, settings: Settings, client: Client) -> None:
    """Set a new password with a reset token: every session and access token ends, the address the
    token was mailed to counts as verified, and a notice goes out.

    An unusable token and a new password that breaks the rules anyone can check (length, a common password)
    are reported together; the rule about the account's own name and email is checked once the token is good.
    """
    found = await _usable(token, settings)
    if found is None:
        refused: list[AccountError] = [one_time_tokens.invalid()]
        try:
            clean_new_password(new_password, "newPassword")
        except InvalidInput as weak:
            refused.append(weak)
        raise together(refused, order=RESET_ORDER)
    record, user = found
    mailed_to = email_key(record.email)
    new_password = clean_new_password(new_password, "newPassword", user_name=user.user_name, email=user.email)
    password_hash = await passwords.hash_password(new_password, rounds=settings.bcrypt_rounds)
    async with transaction():
        await one_time_tokens.consume(record)  # of two requests with one token, one gets past here
        # The address again, under the row's lock: an email change racing this comes before or after it.
        if await User.filter(id=user.id, email_key=mailed_to).select_for_update().first() is None:
            raise one_time_tokens.invalid()
        try:  # compare-and-set on the token version the token was issued with
            await credentials.set_password(user=user, password_hash=password_hash)
        except Conflict:
            raise one_time_tokens.invalid() from None
        await emit("user.updated", payloads.updated(user, ["password"]))
        if await User.filter(id=user.id, email_key=mailed_to, email_verified=False).update(email_verified=True):
            await emit("user.email_verified", payloads.email_verified(user, record.email))
        if user.email:
            await outbox.enqueue(template="password_changed", to=user.email, data={"user_name": user.user_name})
    await audit.record(Kind.PASSWORD_CHANGED, event="password_reset", user_id=user.id, client=client)


async def _usable(token: str, settings: Settings) -> tuple[OneTimeToken, User] | None:
    """The reset token's record and account, or None when it cannot be used (one answer for every reason)."""
    try:
        record = await one_time_tokens.find(token, purpose=RESET_PASSWORD, settings=settings)
    except InvalidInput:
        return None
    user = await lookup.by_id(record.user_id)
    # A password change since the mail (any path bumps token_version) ends the token, and so does a move
    # of the account to another address: the token counts only while the account has the one it was sent to.
    if user is None or user.token_version != record.token_version or user.email_key != email_key(record.email):
        return None
    return record, user
