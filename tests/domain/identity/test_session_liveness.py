"""The session-liveness rule of services.identity.sessions, without HTTP (moved from tests/domain/test_visibility.py
when the people tests moved to tests/domain/people/)."""

from __future__ import annotations

from models import User
from services.accounts import registration
from services.client import Client
from services.identity import sessions
from services.throttle import Throttle
from settings import Settings

PASSWORD = "secure_password123"


async def register(settings: Settings, throttle: Throttle, user_name: str) -> User:
    signed_in = await registration.register(
        user_name=user_name, password=PASSWORD, settings=settings, throttle=throttle, client=Client("192.0.2.1")
    )
    return signed_in.user


async def test_a_session_is_alive_until_revoked_or_its_users_tokens_are_outdated(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = await register(settings, throttle, "ann")
    issued = await sessions.start(ann, settings, client=Client("192.0.2.1"))

    async def alive(version: int) -> bool:
        user = await sessions.user_of_live_session(user_id=ann.id, session_id=issued.session_id, token_version=version)
        return user is not None and user.id == ann.id

    assert await alive(ann.token_version)
    assert not await alive(ann.token_version + 1)  # a token of an older version (logoutAll, password change)
    not_theirs = await sessions.user_of_live_session(user_id=ann.id + 1, session_id=issued.session_id, token_version=0)
    assert not_theirs is None
    await sessions.revoke_one(user_id=ann.id, session_id=issued.session_id)
    assert not await alive(ann.token_version)
