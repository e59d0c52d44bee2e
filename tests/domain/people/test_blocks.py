"""services.people.blocks: block and unblock (README, People): a block ends the follows and requests between
the two users both ways, works in both directions, and stands until its own unblock."""

from __future__ import annotations

import pytest

from models import Block, Follow
from services.errors import InvalidInput, NotFound
from services.people import blocks, follows, lookup
from tests.domain.people.support import MakeUser, counts, hide


async def test_a_block_ends_the_follows_and_requests_both_ways_and_their_counts(make_user: MakeUser) -> None:
    ann = await make_user("ann", private=True)
    bob = await make_user("bob")
    await follows.follow(actor=ann, user_name="bob")
    await follows.follow(actor=bob, user_name="ann")  # a request: ann is private

    shown = await blocks.block(actor=bob, user_name="ANN")

    assert shown.user_name == "ann"
    assert await Follow.all().count() == 0
    assert (await counts(ann), await counts(bob)) == ((0, 0), (0, 0))
    assert await Block.exists(blocker_id=bob.id, blocked_id=ann.id)


async def test_the_blocked_user_cannot_follow_or_find_the_blocker_but_may_block_back(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    await blocks.block(actor=ann, user_name="bob")

    with pytest.raises(NotFound):
        await follows.follow(actor=bob, user_name="ann")
    assert await lookup.visible_by_name("ann", viewer_id=bob.id) is None
    assert await lookup.visible_by_name("bob", viewer_id=ann.id) is not None  # the blocker still sees bob

    back = await blocks.block(actor=bob, user_name="ann")  # answered as for anyone
    assert back.user_name == "ann"
    assert await Block.all().count() == 2


async def test_each_block_stands_until_its_own_unblock(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    await follows.follow(actor=ann, user_name="bob")
    await blocks.block(actor=ann, user_name="bob")
    await blocks.block(actor=bob, user_name="ann")

    await blocks.unblock(actor=ann, user_name="bob")
    assert await lookup.visible_by_name("bob", viewer_id=ann.id) is None  # bob's block stands
    assert await lookup.visible_by_name("ann", viewer_id=bob.id) is not None

    await blocks.unblock(actor=bob, user_name="ann")
    await blocks.unblock(actor=bob, user_name="ann")  # a no-op when there is none
    assert await lookup.visible_by_name("bob", viewer_id=ann.id) is not None
    assert await Block.all().count() == 0
    assert await Follow.all().count() == 0  # follows ended by the block stay ended
    assert (await counts(ann), await counts(bob)) == ((0, 0), (0, 0))


async def test_one_cannot_block_oneself_nobody_or_a_hidden_account(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    await hide(await make_user("gone"))

    with pytest.raises(InvalidInput) as yourself:
        await blocks.block(actor=ann, user_name="ann")
    assert yourself.value.field == "userName"
    for name in ("nobody", "gone"):
        for action in (blocks.block, blocks.unblock):
            with pytest.raises(NotFound) as missing:
                await action(actor=ann, user_name=name)
            assert missing.value.field == "userName"
    assert await Block.all().count() == 0
