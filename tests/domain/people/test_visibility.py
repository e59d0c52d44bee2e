"""The people rules of services.people.visibility and the session-liveness rule of services.identity.sessions,
without HTTP: what a GraphQL field, a list and any endpoint to come all call."""

from __future__ import annotations

import pytest

from models import User, UserProfile
from services.accounts import registration
from services.errors import Forbidden
from services.identity import sessions
from services.people import blocks, follows
from services.people.visibility import check_connections, findable
from services.throttle import Throttle
from settings import Settings

PASSWORD = "secure_password123"


async def register(settings: Settings, throttle: Throttle, user_name: str) -> User:
    signed_in = await registration.register(
        user_name=user_name, password=PASSWORD, settings=settings, throttle=throttle, address="192.0.2.1"
    )
    return signed_in.user


async def test_a_private_accounts_lists_are_seen_by_its_owner_approved_followers_and_admins_only(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    owner, fan, asker, stranger, admin = [
        await register(settings, throttle, name) for name in ("owner", "fan", "asker", "stranger", "admin")
    ]
    await User.filter(id=admin.id).update(is_admin=True)
    admin = await User.get(id=admin.id)
    await UserProfile.filter(user_id=owner.id).update(account_privacy=True)
    await follows.follow(actor=fan, user_name="owner")
    await follows.approve_request(actor=owner, user_name="fan")
    await follows.follow(actor=asker, user_name="owner")  # pending, not approved

    for viewer in (owner, fan, admin):
        await check_connections(viewer, owner.id, "followers", private=True)
    for viewer in (asker, stranger):
        with pytest.raises(Forbidden) as refused:
            await check_connections(viewer, owner.id, "following", private=True)
        assert refused.value.field == "following"
    await check_connections(stranger, owner.id, "followers", private=False)  # a public account: anyone


async def test_users_who_block_the_viewer_and_hidden_accounts_cannot_be_found(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    viewer, blocker, gone, _ = [
        await register(settings, throttle, name) for name in ("viewer", "blocker", "gone", "other")
    ]
    await blocks.block(actor=blocker, user_name="viewer")
    await User.filter(id=gone.id).update(account_deleted=True)

    found = {user.user_name for user in await User.filter(findable(viewer.id))}
    found_by_admin = {user.user_name for user in await User.filter(findable(viewer.id, admin=True))}

    assert found == {"viewer", "other"}
    assert found_by_admin == {"viewer", "other", "gone"}


async def test_a_session_is_alive_until_revoked_or_its_users_tokens_are_outdated(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = await register(settings, throttle, "ann")
    issued = await sessions.start(ann, settings, client=sessions.Client("192.0.2.1"))

    async def alive(version: int) -> bool:
        user = await sessions.user_of_live_session(user_id=ann.id, session_id=issued.session_id, token_version=version)
        return user is not None and user.id == ann.id

    assert await alive(ann.token_version)
    assert not await alive(ann.token_version + 1)  # a token of an older version (logoutAll, password change)
    not_theirs = await sessions.user_of_live_session(user_id=ann.id + 1, session_id=issued.session_id, token_version=0)
    assert not_theirs is None
    await sessions.revoke_one(user_id=ann.id, session_id=issued.session_id)
    assert not await alive(ann.token_version)
