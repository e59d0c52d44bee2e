"""set_password, the one write of a new password: it ends every session and access token, atomically."""

from __future__ import annotations

import pytest

from models import User
from services.client import Client
from services.errors import Conflict, Unauthenticated
from services.identity import credentials, sessions
from services.people import lookup
from settings import Settings

CLIENT = Client("192.0.2.1", "test")


async def _user() -> User:
    created = await User.create(user_name="ann", user_name_key="ann", password_hash="old")
    found = await lookup.by_id(created.id)
    assert found is not None
    return found


async def test_set_password_revokes_every_session_and_bumps_the_token_version(db: str, settings: Settings) -> None:
    user = await _user()
    tokens = [(await sessions.start(user, settings, client=CLIENT)).token for _ in range(2)]

    await credentials.set_password(user=user, password_hash="new")

    stored = await User.get(id=user.id)
    assert (stored.password_hash, stored.token_version) == ("new", user.token_version + 1)
    for token in tokens:
        with pytest.raises(Unauthenticated):
            await sessions.rotate(token, settings, client=CLIENT)


async def test_set_password_from_a_stale_read_is_a_conflict_and_writes_nothing(db: str, settings: Settings) -> None:
    user = await _user()
    token = (await sessions.start(user, settings, client=CLIENT)).token
    await credentials.set_password(user=user, password_hash="first")  # user still holds the old version

    with pytest.raises(Conflict) as raised:
        await credentials.set_password(user=user, password_hash="second", field="providedOldPassword")

    assert raised.value.field == "providedOldPassword"
    assert (await User.get(id=user.id)).password_hash == "first"
    with pytest.raises(Unauthenticated):
        await sessions.rotate(token, settings, client=CLIENT)
