"""services.people.lookup: every query that finds one user, by id, name, login key or live session, and as a
viewer may see it (README, People: hidden and blocking users are not found), without HTTP."""

from __future__ import annotations

import pytest

from models import Block
from services.client import Client
from services.errors import InvalidInput
from services.identity import sessions
from services.people import lookup
from settings import Settings
from tests.domain.people.support import MakeUser, hide


async def test_lookups_by_id_name_and_login_key_find_the_user_with_its_profile(make_user: MakeUser) -> None:
    ann = await make_user("Ann.Lee", email="Ann@Example.com")

    found = [
        await lookup.by_id(ann.id),
        await lookup.by_name("ann.lee"),
        await lookup.by_name("ANN.LEE"),
        await lookup.by_login_key(lookup.login_key("aNN.lee")),
        await lookup.by_login_key(lookup.login_key("ann@EXAMPLE.com")),
    ]

    for user in found:
        assert user is not None and (user.id, user.user_name) == (ann.id, "Ann.Lee")
        assert user.profile.verified is False  # loaded with the user, no second query needed


async def test_lookups_of_nobody_find_nothing(make_user: MakeUser) -> None:
    await make_user("ann")

    assert await lookup.by_id(10**9) is None
    assert await lookup.by_name("bob") is None
    assert await lookup.by_login_key(lookup.login_key("bob@example.com")) is None
    assert await lookup.by_login_key(lookup.login_key("x" * 1000)) is None  # longer than any stored name


@pytest.mark.parametrize("name", ["", "john doe", "ann;--", "x" * 26])
async def test_a_name_no_one_could_hold_is_bad_input(db: str, name: str) -> None:
    with pytest.raises(InvalidInput) as error:
        await lookup.by_name(name)

    assert error.value.field == "userName"


async def test_visible_by_name_hides_blockers_and_hidden_accounts_but_admins_find_hidden_ones(
    make_user: MakeUser,
) -> None:
    viewer, blocker, gone, suspended, other = [
        await make_user(name) for name in ("viewer", "Blocker", "gone", "suspended", "Other")
    ]
    await Block.create(blocker_id=blocker.id, blocked_id=viewer.id)
    await hide(gone)
    await hide(suspended, suspend=True)

    async def seen(name: str, *, admin: bool = False) -> str | None:
        user = await lookup.visible_by_name(name, viewer_id=viewer.id, admin=admin)
        return None if user is None else user.user_name

    assert await seen("OTHER") == "Other"  # any case
    assert [await seen(name) for name in ("blocker", "gone", "suspended", "nobody")] == [None] * 4
    assert [await seen(name, admin=True) for name in ("gone", "suspended")] == ["gone", "suspended"]
    assert await lookup.by_name("blocker") is not None  # the plain lookup applies no viewer's rule
    assert await lookup.visible_by_name_key("other", viewer_id=viewer.id) is not None
    assert await lookup.visible_by_name_key("blocker", viewer_id=viewer.id) is None
    assert await lookup.visible_by_id(other.id, viewer_id=viewer.id) is not None
    assert await lookup.visible_by_id(blocker.id, viewer_id=viewer.id) is None
    assert await lookup.visible_by_id(gone.id, viewer_id=viewer.id) is None
    with pytest.raises(InvalidInput):
        await lookup.visible_by_name("no one; really", viewer_id=viewer.id)


async def test_visible_by_ids_applies_the_same_rule_to_one_id_and_to_many(make_user: MakeUser) -> None:
    viewer, blocker, gone, suspended, other = [
        await make_user(name) for name in ("viewer", "blocker", "gone", "suspended", "other")
    ]
    await Block.create(blocker_id=blocker.id, blocked_id=viewer.id)
    await hide(gone)
    await hide(suspended, suspend=True)
    everyone = [viewer, blocker, gone, suspended, other]

    async def seen(ids: list[int], *, admin: bool = False) -> set[str]:
        found = await lookup.visible_by_ids(ids, viewer_id=viewer.id, admin=admin)
        assert all(user_id == user.id and user.profile is not None for user_id, user in found.items())
        return {user.user_name for user in found.values()}

    assert await seen([user.id for user in everyone] + [10**9]) == {"viewer", "other"}
    assert await seen([user.id for user in everyone], admin=True) == {"viewer", "gone", "suspended", "other"}
    for user in everyone:  # one id takes the prepared statement: the same answers
        assert await seen([user.id]) == ({user.user_name} if user in (viewer, other) else set())
        assert await seen([user.id], admin=True) == (set() if user is blocker else {user.user_name})
    assert await seen([]) == set()


async def test_by_live_session_finds_the_user_only_while_the_session_is_not_revoked(
    make_user: MakeUser, settings: Settings
) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    issued = await sessions.start(ann, settings, client=Client("192.0.2.1"))

    found = await lookup.by_live_session(ann.id, issued.session_id)
    assert found is not None and found.id == ann.id
    assert await lookup.by_live_session(bob.id, issued.session_id) is None  # not bob's session
    await sessions.revoke_one(user_id=ann.id, session_id=issued.session_id)
    assert await lookup.by_live_session(ann.id, issued.session_id) is None


def test_login_keys_and_throttle_accounts() -> None:
    assert lookup.login_key("Ann.Lee") == lookup.login_key("ann.LEE")
    assert lookup.login_key("Ann@Example.COM") == lookup.login_key("ann@example.com")
    assert lookup.throttle_account(None, "ann") == "typed:ann"
