"""An account's life (README, Deactivating, suspending and deleting): deactivating hides the account and ends
its sessions, a sign-in within ACCOUNT_RESTORE_DAYS restores it, admins alone suspend and unsuspend, and the
purge deletes only accounts past the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import SecurityEvent, Session, User
from services.accounts import lifecycle, registration
from services.errors import AccountError, AccountSuspended, Forbidden, InvalidInput, Unauthenticated
from services.people import follows, lookup
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.conftest import Register
from tests.domain.accounts.support import CLIENT, PASSWORD, refused


async def deactivate(user: User, settings: Settings, throttle: Throttle, password: str = PASSWORD) -> None:
    await lifecycle.deactivate(user=user, password=password, settings=settings, throttle=throttle, client=CLIENT)


async def counts(user_name: str) -> tuple[int, int]:
    user = await lookup.by_name(user_name)
    assert user is not None
    return user.followers_count, user.following_count


async def test_deactivating_hides_the_account_ends_its_sessions_and_uncounts_its_follows(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann, bob = (await register("ann")).user, (await register("bob")).user
    await follows.follow(actor=ann, user_name="bob")

    await deactivate(ann, settings, throttle)

    assert await lookup.visible_by_name("ann", viewer_id=bob.id) is None
    assert await Session.filter(user_id=ann.id, revoked_at=None).count() == 0
    assert await counts("bob") == (0, 0)
    assert await SecurityEvent.filter(user_id=ann.id, kind="ACCOUNT_DEACTIVATED").count() == 1


async def test_deactivating_needs_the_password(register: Register, settings: Settings, throttle: Throttle) -> None:
    ann = (await register("ann")).user

    with pytest.raises(AccountError) as error:
        await deactivate(ann, settings, throttle, password="wrong password!")

    refused(error, InvalidInput, "password")
    stored = await lookup.by_name("ann")
    assert stored is not None and not stored.account_deleted


async def test_a_sign_in_within_the_restore_window_restores_the_account(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann")).user
    await register("bob")
    await follows.follow(actor=ann, user_name="bob")
    await deactivate(ann, settings, throttle)
    hidden = await lookup.by_name("ann")
    assert hidden is not None

    restored = await lifecycle.admit(hidden, settings=settings, client=CLIENT)

    assert restored.account_deleted is False and restored.deactivated_at is None
    assert await counts("bob") == (1, 0)
    assert await SecurityEvent.filter(user_id=ann.id, kind="ACCOUNT_RESTORED").count() == 1


async def test_past_the_restore_window_the_account_is_as_good_as_unknown(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register("ann")).user
    await deactivate(ann, settings, throttle)
    long_ago = datetime.now(UTC) - timedelta(days=settings.account_restore_days + 1)
    await User.filter(id=ann.id).update(deactivated_at=long_ago)
    hidden = await lookup.by_name("ann")
    assert hidden is not None

    with pytest.raises(Unauthenticated) as error:
        await lifecycle.admit(hidden, settings=settings, client=CLIENT)

    assert str(error.value) == lifecycle.GONE


async def test_only_an_admin_suspends_and_unsuspends(register: Register, settings: Settings) -> None:
    ann, bob = (await register("ann")).user, (await register("bob")).user

    with pytest.raises(Forbidden):
        await lifecycle.suspend(actor=bob, user_name="ann", reason="spam", client=CLIENT)
    await register("root")
    admin = await registration.grant_admin("root")
    suspended = await lifecycle.suspend(actor=admin, user_name="ann", reason="spam", client=CLIENT)
    with pytest.raises(Forbidden):
        await lifecycle.unsuspend(actor=bob, user_name="ann", client=CLIENT)

    assert suspended.suspended_at is not None
    assert await Session.filter(user_id=ann.id, revoked_at=None).count() == 0
    assert await lookup.visible_by_name("ann", viewer_id=bob.id) is None
    with pytest.raises(AccountSuspended):
        await lifecycle.admit(suspended, settings=settings, client=CLIENT)

    lifted = await lifecycle.unsuspend(actor=admin, user_name="ann", client=CLIENT)

    assert lifted.suspended_at is None
    assert await lifecycle.admit(lifted, settings=settings, client=CLIENT) == lifted
    assert await lookup.visible_by_name("ann", viewer_id=bob.id) is not None


@pytest.mark.parametrize(("user_name", "reason", "field"), [("root", "spam", "userName"), ("ann", "  ", "reason")])
async def test_a_suspension_needs_a_reason_and_another_user(
    register: Register, user_name: str, reason: str, field: str
) -> None:
    await register("ann")
    await register("root")
    admin = await registration.grant_admin("root")

    with pytest.raises(AccountError) as error:
        await lifecycle.suspend(actor=admin, user_name=user_name, reason=reason, client=CLIENT)

    refused(error, InvalidInput, field)
    assert await User.filter(suspended_at__isnull=False).count() == 0


async def test_the_purge_deletes_only_accounts_past_the_window(
    register: Register, settings: Settings, throttle: Throttle
) -> None:
    old, recent = (await register("old")).user, (await register("recent")).user
    await register("active")
    for user in (old, recent):
        await deactivate(user, settings, throttle)
    await User.filter(id=old.id).update(deactivated_at=datetime.now(UTC) - timedelta(days=31))

    assert await lifecycle.purge_deactivated(restore_days=30) == 1

    assert sorted(user.user_name for user in await User.all()) == ["active", "recent"]
