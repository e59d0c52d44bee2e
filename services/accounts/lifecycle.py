"""An account's life: deactivated by its owner (restored by signing in), suspended by an admin, purged.

A deactivated or suspended account is hidden: services.people leaves it out of every lookup and list a
viewer makes (``visibility.shown``; admins still find it by name), and its follows leave other people's
counts while it is hidden (``counters.hidden_changed``, in the transaction that flips the flag). Each
change runs in one transaction holding the user's row (and its counterparts') locked, so changes racing
one another see each other's result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from models import User
from models.user import SUSPENSION_REASON_MAX
from services import audit
from services.accounts.validation import clean_text
from services.client import Client
from services.deadlocks import again_on_deadlock, retried
from services.errors import AccountSuspended, Forbidden, InvalidInput, NotFound, Unauthenticated
from services.identity import reauthentication, sessions
from services.media import profile_images
from services.people import counters, lookup
from services.security_events import Kind
from services.throttle import Throttle
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

SUSPENDED = "This account is suspended."
GONE = "Wrong user name or password."  # past the restore window the account is as good as unknown


def _now() -> datetime:
    return datetime.now(UTC)


def _hidden(user: User) -> bool:
    return user.account_deleted or user.suspended_at is not None


async def _locked(user_id: int) -> User | None:
    """Inside a transaction: lock the user and its follow counterparts (id order), then read it as it is now
    (a locking read: MySQL's plain reads would show the transaction's first snapshot)."""
    await counters.lock_around(user_id=user_id)
    return await User.filter(id=user_id).select_for_update().first()


async def deactivate(*, user: User, password: str, settings: Settings, throttle: Throttle, client: Client) -> None:
    """Soft-delete the caller: hidden everywhere and every session ended; signing in within
    ACCOUNT_RESTORE_DAYS brings it back. The password is asked again (throttled like a login): a stolen
    token is not enough."""
    await reauthentication.verify(
        user, settings=settings, throttle=throttle, client=client, password=password, field="password"
    )

    async def hide() -> None:
        async with in_transaction():
            locked = await _locked(user.id)
            if locked is None:
                raise Unauthenticated(GONE)
            flipped = await User.filter(id=user.id, account_deleted=False).update(
                account_deleted=True, deactivated_at=_now()
            )
            if flipped and not _hidden(locked):
                await counters.hidden_changed(user_id=user.id, hidden=True)
            if flipped:
                await emit("user.deactivated", payloads.deactivated(locked))
            await sessions.revoke_all(user.id)

    await again_on_deadlock(hide)
    await audit.record(Kind.ACCOUNT_DEACTIVATED, user_id=user.id, client=client)


async def admit(user: User, *, settings: Settings, client: Client) -> User:
    """After the right password: refuse a suspended account (FORBIDDEN, reason ACCOUNT_SUSPENDED), restore
    a deactivated one within ACCOUNT_RESTORE_DAYS (after that it is gone, as if unknown), else admit it."""
    if user.suspended_at is not None:
        raise AccountSuspended(SUSPENDED)
    if not user.account_deleted:
        return user
    cutoff = _now() - timedelta(days=settings.account_restore_days)

    async def restore() -> int:
        async with in_transaction():
            locked = await _locked(user.id)
            if locked is None:
                raise Unauthenticated(GONE)
            if locked.suspended_at is not None:
                raise AccountSuspended(SUSPENDED)
            if locked.account_deleted and (locked.deactivated_at is None or locked.deactivated_at <= cutoff):
                raise Unauthenticated(GONE)
            # Compare-and-set: of sign-ins racing, one restores; the others find it restored.
            restored = await User.filter(id=user.id, account_deleted=True).update(
                account_deleted=False, deactivated_at=None
            )
            if restored:
                await counters.hidden_changed(user_id=user.id, hidden=False)
                await emit("user.restored", payloads.restored(locked, was="deactivated"))
        return restored

    restored = await again_on_deadlock(restore)
    if restored:
        await audit.record(Kind.ACCOUNT_RESTORED, user_id=user.id, client=client)
    return await _reloaded(user.id, missing=Unauthenticated(GONE))


async def _admin_target(actor: User, user_name: str) -> User:
    if not actor.is_admin:
        raise Forbidden("Only admins may suspend or unsuspend users.")
    target = await lookup.by_name(user_name)
    if target is None:
        raise NotFound(f"No user is named {user_name!r}.", field="userName")
    return target


@retried
async def suspend(*, actor: User, user_name: str, reason: str, client: Client) -> User:
    """An admin suspends a user: every session ends at once, login answers FORBIDDEN (ACCOUNT_SUSPENDED),
    and the account is hidden from everyone but admins until unsuspended. ``reason`` is for admins only."""
    target = await _admin_target(actor, user_name)
    text = clean_text(reason, field="reason", max_length=SUSPENSION_REASON_MAX, multiline=True)
    if not text:
        raise InvalidInput("reason must not be empty.", field="reason")
    if target.id == actor.id:
        raise InvalidInput("Admins cannot suspend themselves.", field="userName")
    async with in_transaction():
        locked = await _locked(target.id)
        if locked is None:
            raise NotFound(f"No user is named {user_name!r}.", field="userName")
        await User.filter(id=target.id).update(suspension_reason=text)
        flipped = await User.filter(id=target.id, suspended_at=None).update(suspended_at=_now())
        if flipped and not _hidden(locked):
            await counters.hidden_changed(user_id=target.id, hidden=True)
        if flipped:
            await emit("user.suspended", payloads.suspended(locked))
        await sessions.revoke_all(target.id)
    await audit.record(Kind.ACCOUNT_SUSPENDED, user_id=target.id, client=client, by=actor.id)
    return await _reloaded(target.id)


@retried
async def unsuspend(*, actor: User, user_name: str, client: Client) -> User:
    """Lift a suspension: the account signs in again and, unless its owner deactivated it, is shown again."""
    target = await _admin_target(actor, user_name)
    async with in_transaction():
        locked = await _locked(target.id)
        if locked is None:
            raise NotFound(f"No user is named {user_name!r}.", field="userName")
        flipped = await User.filter(id=target.id, suspended_at__isnull=False).update(
            suspended_at=None, suspension_reason=None
        )
        if flipped and not locked.account_deleted:
            await counters.hidden_changed(user_id=target.id, hidden=False)
        if flipped:  # the suspension is lifted; an account its owner deactivated stays so until they sign in
            await emit("user.restored", payloads.restored(locked, was="suspended"))
    await audit.record(Kind.ACCOUNT_UNSUSPENDED, user_id=target.id, client=client, by=actor.id)
    return await _reloaded(target.id)


async def _reloaded(user_id: int, missing: Exception | None = None) -> User:
    user = await lookup.by_id(user_id)
    if user is None:
        raise missing or NotFound("The user was deleted meanwhile.", field="userName")
    return user


async def purge_deactivated(
    *, restore_days: float, now: datetime | None = None, settings: Settings | None = None
) -> int:
    """Delete for good the accounts deactivated more than ``restore_days`` ago; how many went.

    Each account goes by one conditional DELETE: instances running this at once delete it once, and an
    account a sign-in restored first (account_deleted false again) stays. A hidden account's follows
    count in no one's counts already, so its rows go with the cascade and every count stays true. Each
    purged account raises user.deleted (``purged``: true) in the transaction of its DELETE. With
    ``settings``, a purged account's uploaded profile picture goes too (its files, after its row).
    """
    cutoff = (now or _now()) - timedelta(days=restore_days)
    expired = User.filter(account_deleted=True, deactivated_at__lt=cutoff)
    purged = 0
    for user_id in await expired.values_list("id", flat=True):
        # One row at a time: a DELETE's count includes its cascade on SQLite, so a batch would miscount.
        stem = await profile_images.stored_stem(cast(int, user_id))  # flat: each an id
        # The event goes in the DELETE's transaction: of instances purging at once, the one that deleted raises it.
        async with in_transaction():
            user = await expired.filter(id=user_id).select_for_update().first()
            deleted = user is not None and await expired.filter(id=user_id).delete()
            if user is not None and deleted:
                await emit("user.deleted", payloads.deleted(user.id, user.user_name, purged=True))
        if deleted:
            purged += 1
            if settings is not None and stem is not None:
                await profile_images.delete_stem(stem, settings)
    return purged
