"""Undoing an email change from the old address: the notice mailed there carries a single-use link that
puts the old address back (as verified) and ends every session and access token of the account.

A stolen session that changes the email and then resets the password through the new address would
otherwise own the account for good; the owner, still reading the old address, takes it back with one
click (then resets the password, which now mails the owner). A link undoes its own change and every later
one: the undo tokens issued after it die with it, the earlier ones (older changes) stay.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import OneTimeToken, User
from services import audit
from services.accounts.validation import email_key
from services.client import Client
from services.errors import Conflict
from services.identity import one_time_tokens, sessions
from services.identity.one_time_tokens import UNDO_EMAIL_CHANGE
from services.mail import outbox
from services.security_events import Kind
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

TAKEN = "The old address now belongs to another account, so it cannot be restored; contact support."


def _valid_for(seconds: int) -> str:
    """A lifetime in words: "7 days", "12 hours", "90 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds % size == 0:
            count = seconds // size
            return f"1 {unit}" if count == 1 else f"{count} {unit}s"
    minutes = max(1, seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


async def mail_notice(*, user: User, old_email: str, user_name: str, settings: Settings) -> None:
    """Inside the email change's transaction: tell the old address, with a link that undoes the change."""
    token = await one_time_tokens.issue(
        user=user,
        purpose=UNDO_EMAIL_CHANGE,
        email=old_email,
        ttl=settings.undo_email_change_ttl,
        settings=settings,
        void_older=False,  # an earlier change's link still undoes that change
    )
    data = {
        "user_name": user_name,
        "link": settings.undo_email_change_url.replace("{token}", token),  # token_urlsafe: URL-safe as is
        "token": token,
        "valid_for": _valid_for(settings.undo_email_change_ttl),
    }
    await outbox.enqueue(template="email_changed", to=old_email, data=data)


async def undo(*, token: str, settings: Settings, client: Client) -> None:
    """Put back the address the token was mailed to, verified; end every session and access token.

    The token dies when used (of two requests with it, one wins); unknown, used and expired tokens are
    BAD_USER_INPUT on ``token``. An old address another account took meanwhile is CONFLICT, and the token
    stays unused.
    """
    record = await one_time_tokens.find(token, purpose=UNDO_EMAIL_CHANGE, settings=settings)
    try:
        async with in_transaction():
            await one_time_tokens.consume(record)  # of two requests with one token, one gets past here
            # The changes after this one are undone too: their links have nothing left to undo.
            await OneTimeToken.filter(
                user_id=record.user_id, purpose=UNDO_EMAIL_CHANGE, used_at=None, id__gt=record.id
            ).update(used_at=datetime.now(UTC))
            before = await User.filter(id=record.user_id).select_for_update().first()
            restored = await User.filter(id=record.user_id).update(
                email=record.email, email_key=email_key(record.email), email_verified=True
            )
            if before is None or not restored:  # the account was deleted
                raise one_time_tokens.invalid()
            changed = [
                name
                for name, same in (("email", before.email == record.email), ("email_verified", before.email_verified))
                if not same
            ]
            if changed:
                await emit("user.updated", payloads.updated(before, changed))
            await sessions.revoke_all(record.user_id)  # also outdates reset tokens mailed meanwhile
    except IntegrityError:
        raise Conflict(TAKEN, field="token") from None
    await audit.record(Kind.EMAIL_CHANGE_UNDONE, user_id=record.user_id, client=client)
