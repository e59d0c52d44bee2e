"""Sessions and refresh rotation (README, Tokens): a session starts at sign-in, each refresh token works once,
a spent one presented again revokes its session, and a revoked or ended session has no live token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import RefreshToken, SecurityEvent, Session, User
from services.client import Client
from services.errors import InvalidInput, Unauthenticated
from services.identity import sessions
from services.identity.refusals import TokenRefused
from settings import Settings
from tests.domain.identity.conftest import NewUser
from tests.support.refresh import after_the_reuse_grace

CLIENT = Client("192.0.2.1", "pytest")


async def test_start_records_the_client_and_a_token_that_ends_with_the_session(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()

    issued = await sessions.start(user, settings, client=CLIENT)

    session = await Session.get(id=issued.session_id)
    assert (session.ip_address, session.user_agent, session.revoked_at) == ("192.0.2.1", "pytest", None)
    assert session.expires_at == issued.session_ends
    assert 0 < issued.expires_in <= min(settings.refresh_token_ttl, settings.session_max_age)
    assert [s.id for s in await sessions.live(user_id=user.id)] == [issued.session_id]


async def test_rotate_spends_the_token_for_a_successor_of_the_same_session(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()
    first = await sessions.start(user, settings, client=CLIENT)

    owner, second = await sessions.rotate(first.token, settings, client=Client("198.51.100.2"))

    assert owner.id == user.id
    assert second.session_id == first.session_id and second.token != first.token
    assert second.signed_in_at == first.signed_in_at  # a refresh never moves the sign-in time
    assert (await Session.get(id=first.session_id)).ip_address == "198.51.100.2"  # the address at the last use
    await sessions.rotate(second.token, settings, client=CLIENT)  # the successor works


async def test_a_spent_token_presented_again_revokes_the_session_and_its_successors(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()
    first = await sessions.start(user, settings, client=CLIENT)
    _, second = await sessions.rotate(first.token, settings, client=CLIENT)
    await after_the_reuse_grace()

    with pytest.raises(TokenRefused, match="already used") as refused:
        await sessions.rotate(first.token, settings, client=CLIENT)
    assert refused.value.reason == "TOKEN_REVOKED"

    with pytest.raises(Unauthenticated):
        await sessions.rotate(second.token, settings, client=CLIENT)
    assert await sessions.live(user_id=user.id) == []
    assert await SecurityEvent.filter(user_id=user.id, kind="REFRESH_TOKEN_REUSED").count() == 1


@pytest.mark.parametrize("token", ["", "x" * 257, "no-such-token"])
async def test_an_unknown_or_malformed_token_refreshes_nothing(
    new_user: NewUser, settings: Settings, token: str
) -> None:
    await sessions.start(await new_user(), settings, client=CLIENT)

    with pytest.raises(TokenRefused) as refused:
        await sessions.rotate(token, settings, client=CLIENT)
    assert refused.value.reason == "TOKEN_INVALID"
    assert await RefreshToken.filter(used_at__not_isnull=True).count() == 0


async def test_a_refresh_token_that_is_not_text_is_bad_input(new_user: NewUser, settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        await sessions.rotate(42, settings, client=CLIENT)


async def test_a_session_past_its_absolute_end_refreshes_no_more(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    issued = await sessions.start(user, settings, client=CLIENT)
    await Session.filter(id=issued.session_id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    with pytest.raises(Unauthenticated):
        await sessions.rotate(issued.token, settings, client=CLIENT)
    assert await sessions.live(user_id=user.id) == []


async def test_is_live_until_revoked_or_past_the_end(new_user: NewUser, settings: Settings) -> None:
    issued = await sessions.start(await new_user(), settings, client=CLIENT)
    session = await Session.get(id=issued.session_id)
    now = datetime.now(UTC)

    assert sessions.is_live(session, now)
    assert not sessions.is_live(session, session.expires_at)
    session.revoked_at = now
    assert not sessions.is_live(session, now)


async def test_revoke_ends_the_tokens_session_once(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    issued = await sessions.start(user, settings, client=CLIENT)
    other = await sessions.start(user, settings, client=CLIENT)

    assert await sessions.revoke(issued.token) == user.id
    assert await sessions.revoke(issued.token) is None  # already ended
    assert await sessions.revoke("no-such-token") is None

    with pytest.raises(Unauthenticated):
        await sessions.rotate(issued.token, settings, client=CLIENT)
    assert [s.id for s in await sessions.live(user_id=user.id)] == [other.session_id]


async def test_revoke_one_ends_only_the_callers_own_live_session(new_user: NewUser, settings: Settings) -> None:
    ann, bob = await new_user("ann"), await new_user("bob")
    anns = await sessions.start(ann, settings, client=CLIENT)

    assert not await sessions.revoke_one(user_id=bob.id, session_id=anns.session_id)
    assert await sessions.revoke_one(user_id=ann.id, session_id=anns.session_id)
    assert not await sessions.revoke_one(user_id=ann.id, session_id=anns.session_id)  # no longer live


async def test_revoke_all_ends_every_session_and_bumps_the_token_version(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    tokens = [(await sessions.start(user, settings, client=CLIENT)).token for _ in range(3)]

    await sessions.revoke_all(user.id)

    assert (await User.get(id=user.id)).token_version == user.token_version + 1
    assert await sessions.live(user_id=user.id) == []
    for token in tokens:
        with pytest.raises(Unauthenticated):
            await sessions.rotate(token, settings, client=CLIENT)


async def test_revoke_others_keeps_the_callers_session_and_the_token_version(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()
    kept = await sessions.start(user, settings, client=CLIENT)
    for _ in range(2):
        await sessions.start(user, settings, client=CLIENT)

    assert await sessions.revoke_others(user_id=user.id, keep=kept.session_id) == 2

    assert [s.id for s in await sessions.live(user_id=user.id)] == [kept.session_id]
    assert (await User.get(id=user.id)).token_version == user.token_version
    await sessions.rotate(kept.token, settings, client=CLIENT)


async def test_an_access_token_speaks_for_its_user_only_while_its_session_lives(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()
    issued = await sessions.start(user, settings, client=CLIENT)
    claims = {"user_id": user.id, "session_id": issued.session_id, "token_version": user.token_version}

    found = await sessions.user_of_live_session(**claims)
    assert found is not None and found.id == user.id
    assert await sessions.user_of_live_session(**{**claims, "token_version": user.token_version + 1}) is None

    await sessions.revoke(issued.token)
    assert await sessions.user_of_live_session(**claims) is None


async def test_starting_a_session_for_a_deleted_user_is_unauthenticated(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    await User.filter(id=user.id).delete()

    with pytest.raises(Unauthenticated):
        await sessions.start(user, settings, client=CLIENT)
    assert await Session.all().count() == 0
