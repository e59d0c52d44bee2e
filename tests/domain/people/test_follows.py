"""services.people.follows: follow, unfollow, remove a follower, approve or reject requests (README, People),
called directly: each action changes the rows and both users' counters together."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from models import Block, Follow
from services.errors import AccountError, Forbidden, InvalidInput, NotFound
from services.people import follows
from tests.domain.people.support import MakeUser, counts, hide


async def test_following_a_public_account_is_accepted_at_once_and_counts_on_both_sides(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("Bob")

    result = await follows.follow(actor=ann, user_name="BOB")
    again = await follows.follow(actor=ann, user_name="bob")  # following again changes nothing

    assert (result.status, result.user.user_name) == ("FOLLOWING", "Bob")
    assert again.status == "FOLLOWING"
    assert await counts(ann) == (0, 1)
    assert await counts(bob) == (1, 0)
    assert result.user.followers_count == 1  # the answer shows the follow


async def test_following_a_private_account_asks_and_counts_only_once_approved(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    owner = await make_user("owner", private=True)

    result = await follows.follow(actor=ann, user_name="owner")
    assert result.status == "REQUESTED"
    assert (await counts(ann), await counts(owner)) == ((0, 0), (0, 0))
    assert (await follows.follow(actor=ann, user_name="owner")).status == "REQUESTED"  # asking again: no change

    await follows.approve_request(actor=owner, user_name="ann")
    await follows.approve_request(actor=owner, user_name="ann")  # approving twice is fine

    assert (await counts(ann), await counts(owner)) == ((0, 1), (1, 0))
    assert (await follows.follow(actor=ann, user_name="owner")).status == "FOLLOWING"


async def test_a_rejected_request_is_gone_and_approving_without_one_is_not_found(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    owner = await make_user("owner", private=True)
    await follows.follow(actor=ann, user_name="owner")

    await follows.reject_request(actor=owner, user_name="ann")
    await follows.reject_request(actor=owner, user_name="ann")  # a no-op when there is none

    assert not await Follow.exists(follower_id=ann.id, followee_id=owner.id)
    with pytest.raises(NotFound) as error:
        await follows.approve_request(actor=owner, user_name="ann")
    assert error.value.field == "userName"
    assert (await counts(ann), await counts(owner)) == ((0, 0), (0, 0))


async def test_unfollow_ends_a_follow_or_withdraws_a_request_and_removing_a_follower_ends_theirs(
    make_user: MakeUser,
) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    owner = await make_user("owner", private=True)
    await follows.follow(actor=ann, user_name="bob")
    await follows.follow(actor=bob, user_name="ann")
    await follows.follow(actor=ann, user_name="owner")

    await follows.unfollow(actor=ann, user_name="bob")
    await follows.unfollow(actor=ann, user_name="owner")  # withdraws the request
    await follows.unfollow(actor=owner, user_name="ann")  # a stranger: a no-op
    assert (await counts(ann), await counts(bob)) == ((1, 0), (0, 1))
    assert not await Follow.exists(follower_id=ann.id, followee_id=owner.id)

    await follows.remove_follower(actor=ann, user_name="bob")
    await follows.remove_follower(actor=ann, user_name="owner")  # not a follower: a no-op

    assert await Follow.all().count() == 0
    assert [await counts(user) for user in (ann, bob, owner)] == [(0, 0)] * 3


async def test_one_cannot_follow_oneself_nobody_a_hidden_account_or_a_blocker(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    blocker = await make_user("blocker")
    gone = await make_user("gone")
    await Block.create(blocker_id=blocker.id, blocked_id=ann.id)
    await hide(gone)

    with pytest.raises(InvalidInput) as yourself:
        await follows.follow(actor=ann, user_name="ANN")
    assert yourself.value.field == "userName"
    for name in ("nobody", "gone", "blocker"):  # alike: the blocked user does not learn it was blocked
        with pytest.raises(NotFound) as missing:
            await follows.follow(actor=ann, user_name=name)
        assert missing.value.field == "userName"
    for action in (follows.unfollow, follows.remove_follower, follows.approve_request, follows.reject_request):
        with pytest.raises(NotFound):
            await action(actor=ann, user_name="blocker")
    assert await Follow.all().count() == 0


async def test_the_blocker_cannot_follow_whom_it_blocks_until_it_unblocks(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    await Block.create(blocker_id=ann.id, blocked_id=bob.id)

    with pytest.raises(AccountError) as refused:
        await follows.follow(actor=ann, user_name="bob")

    assert isinstance(refused.value, Forbidden) and refused.value.field == "userName"
    assert await Follow.all().count() == 0


async def test_making_an_account_public_approves_every_pending_request_and_counts_them(make_user: MakeUser) -> None:
    owner = await make_user("owner", private=True)
    fans = [await make_user(name) for name in ("fan1", "fan2")]
    for fan in fans:
        await follows.follow(actor=fan, user_name="owner")

    async with in_transaction():
        approved = await follows.approve_all_requests(owner_id=owner.id)

    assert approved == 2
    assert await Follow.filter(followee_id=owner.id, accepted=True).count() == 2
    assert await counts(owner) == (2, 0)
    assert [await counts(fan) for fan in fans] == [(0, 1)] * 2
    async with in_transaction():
        assert await follows.approve_all_requests(owner_id=owner.id) == 0  # none left
