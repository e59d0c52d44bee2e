"""services.people.visibility: who may see what of a user (README, People), without HTTP: the rules a GraphQL
field, a list and any endpoint to come all call."""

from __future__ import annotations

import pytest

from models import User, UserProfile
from services.errors import Forbidden
from services.people import blocks, follows
from services.people.visibility import (
    check_connections,
    connections_visible,
    findable,
    may_see_connections,
    may_see_private,
    shown,
)
from tests.domain.people.support import MakeUser, hide


async def test_the_owner_and_admins_see_private_fields_and_no_one_else(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    admin = await make_user("root", admin=True)

    assert may_see_private(ann, ann.id) is True
    assert may_see_private(admin, ann.id) is True
    assert may_see_private(bob, ann.id) is False
    assert may_see_private(None, ann.id) is False


async def test_a_private_accounts_lists_are_seen_by_its_owner_approved_followers_and_admins_only(
    make_user: MakeUser,
) -> None:
    owner, fan, asker, stranger, admin = [
        await make_user(name) for name in ("owner", "fan", "asker", "stranger", "admin")
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
    # The same rule for a reader that answers null instead (GraphQL's followers and following fields).
    assert [await connections_visible(viewer, owner.id, private=True) for viewer in (owner, fan, admin)] == [True] * 3
    assert [await connections_visible(viewer, owner.id, private=True) for viewer in (asker, stranger)] == [False] * 2
    assert await connections_visible(stranger, owner.id, private=False)
    await check_connections(stranger, owner.id, "followers", private=False)  # a public account: anyone


async def test_may_see_connections_and_a_callers_own_follows_answer(make_user: MakeUser) -> None:
    owner = await make_user("owner")
    viewer = await make_user("viewer")

    assert may_see_connections(viewer, owner.id, private=False, viewer_follows=False)
    assert may_see_connections(viewer, owner.id, private=True, viewer_follows=True)
    assert not may_see_connections(viewer, owner.id, private=True, viewer_follows=False)
    assert may_see_connections(owner, owner.id, private=True, viewer_follows=False)

    async def says_yes() -> bool:
        return True

    async def says_no() -> bool:
        return False

    await check_connections(viewer, owner.id, "followers", private=True, follows=says_yes)  # a loader's answer
    with pytest.raises(Forbidden):
        await check_connections(viewer, owner.id, "followers", private=True, follows=says_no)


async def test_users_who_block_the_viewer_and_hidden_accounts_cannot_be_found(make_user: MakeUser) -> None:
    viewer, blocker, gone, _ = [await make_user(name) for name in ("viewer", "blocker", "gone", "other")]
    await blocks.block(actor=blocker, user_name="viewer")
    await User.filter(id=gone.id).update(account_deleted=True)

    found = {user.user_name for user in await User.filter(findable(viewer.id))}
    found_by_admin = {user.user_name for user in await User.filter(findable(viewer.id, admin=True))}

    assert found == {"viewer", "other"}
    assert found_by_admin == {"viewer", "other", "gone"}


async def test_the_users_the_viewer_blocks_stay_findable_to_it(make_user: MakeUser) -> None:
    viewer = await make_user("viewer")
    await make_user("blocked")
    await blocks.block(actor=viewer, user_name="blocked")  # the blocker still sees whom it blocks

    assert {user.user_name for user in await User.filter(findable(viewer.id))} == {"viewer", "blocked"}


async def test_shown_leaves_out_deactivated_and_suspended_accounts(make_user: MakeUser) -> None:
    await make_user("shown")
    await hide(await make_user("deactivated"))
    await hide(await make_user("suspended"), suspend=True)

    assert {user.user_name for user in await User.filter(shown())} == {"shown"}
