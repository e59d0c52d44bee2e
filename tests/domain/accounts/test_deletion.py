"""Deleting an account (README, Deactivating, suspending and deleting) through the service, without HTTP.

The oracle is the rule as README states it: what is stored, what is refused with which field, and that a
refused change writes nothing.
"""

from __future__ import annotations

import time

import pytest

from models import Follow, Session, UserProfile
from services.accounts import deletion, registration
from services.errors import AccountError, Forbidden, RecentSignInRequired
from services.people import follows, lookup
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import CLIENT, PASSWORD, refused, register


async def test_delete_removes_the_user_its_profile_and_its_sessions(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    bob = (await register(settings, throttle, "bob")).user

    with pytest.raises(AccountError) as error:
        await deletion.delete_user(
            actor=bob, user_name="ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=time.time()
        )
    refused(error, Forbidden, None)

    deleted = await deletion.delete_user(
        actor=ann, user_name="Ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=time.time()
    )

    assert deleted.id == ann.id
    assert await lookup.by_name("ann") is None
    assert await UserProfile.filter(user_id=ann.id).count() == 0
    assert await Session.filter(user_id=ann.id).count() == 0
    assert await lookup.by_name("bob") is not None


async def test_deleting_a_user_keeps_everyone_elses_counts_true(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    bob = (await register(settings, throttle, "bob")).user
    await follows.follow(actor=ann, user_name="bob")
    await follows.follow(actor=bob, user_name="ann")

    await deletion.delete_user(
        actor=ann, user_name="ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=time.time()
    )

    left = await lookup.by_name("bob")
    assert left is not None and (left.followers_count, left.following_count) == (0, 0)
    assert await Follow.filter(follower_id=ann.id).count() + await Follow.filter(followee_id=ann.id).count() == 0


async def test_deleting_needs_a_recent_sign_in_or_the_password(db: str, settings: Settings, throttle: Throttle) -> None:
    ann = (await register(settings, throttle, "ann")).user
    stale = time.time() - settings.recent_sign_in_seconds - 60

    with pytest.raises(RecentSignInRequired):
        await deletion.delete_user(
            actor=ann, user_name="ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=stale
        )
    assert await lookup.by_name("ann") is not None

    await deletion.delete_user(
        actor=ann,
        user_name="ann",
        settings=settings,
        throttle=throttle,
        client=CLIENT,
        password=PASSWORD,
        signed_in_at=stale,
    )
    assert await lookup.by_name("ann") is None


async def test_an_admin_deletes_another_account(db: str, settings: Settings, throttle: Throttle) -> None:
    ann = (await register(settings, throttle, "ann")).user
    await register(settings, throttle, "root")
    admin = await registration.grant_admin("root")

    deleted = await deletion.delete_user(
        actor=admin, user_name="ann", settings=settings, throttle=throttle, client=CLIENT, signed_in_at=time.time()
    )

    assert deleted.id == ann.id and await lookup.by_name("ann") is None
    assert await lookup.by_name("root") is not None
