"""services.people.targets: the user a follow or block action names, as the actor may see it: NOT_FOUND alike
for everyone the actor may not see, BAD_USER_INPUT for oneself."""

from __future__ import annotations

import pytest

from models import Block
from services.errors import InvalidInput, NotFound
from services.people import targets
from tests.domain.people.support import MakeUser, hide


async def test_other_finds_a_visible_user_and_refuses_oneself_nobody_and_blockers(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("Bob")
    blocker = await make_user("blocker")
    await Block.create(blocker_id=blocker.id, blocked_id=ann.id)

    assert (await targets.other(ann, "bob", "follow")).id == bob.id
    with pytest.raises(InvalidInput) as yourself:
        await targets.other(ann, "ann", "follow")
    assert yourself.value.field == "userName" and "follow yourself" in yourself.value.message
    for name in ("nobody", "blocker"):
        with pytest.raises(NotFound) as missing:
            await targets.other(ann, name, "follow")
        assert missing.value.field == "userName"


async def test_named_finds_a_blocker_too_but_not_a_hidden_user(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    blocker = await make_user("blocker")
    gone = await make_user("gone")
    await Block.create(blocker_id=blocker.id, blocked_id=ann.id)
    await hide(gone, suspend=True)

    assert (await targets.named(ann, "BLOCKER", "block")).id == blocker.id  # blocking works both ways
    assert (await targets.named_after(blocker, "blocker")).id == blocker.id
    for name in ("nobody", "gone"):
        with pytest.raises(NotFound):
            await targets.named(ann, name, "block")
    with pytest.raises(NotFound):
        await targets.named_after(gone, "gone")
    with pytest.raises(InvalidInput):
        await targets.named(ann, "ann", "block")


async def test_seen_after_is_the_target_as_the_actor_sees_it(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")

    assert (await targets.seen_after(ann, bob, "bob")).id == bob.id
    await Block.create(blocker_id=bob.id, blocked_id=ann.id)
    with pytest.raises(NotFound):
        await targets.seen_after(ann, bob, "bob")
    assert targets.no_such_user("x").extensions() == {"code": "NOT_FOUND", "field": "userName"}
