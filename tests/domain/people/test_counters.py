"""services.people.counters (README, People): followersCount and followingCount equal the accepted follows
whose other side is shown; hiding and showing a user shift exactly its follows; ``recount`` finds and fixes
any drift."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Follow, User
from services.people import counters, follows
from services.people.counters import CountFix
from tests.domain.people.support import MakeUser, counts, hide, show


async def test_recount_finds_and_fixes_drift_written_behind_its_back(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    carl = await make_user("carl")
    await follows.follow(actor=carl, user_name="ann")  # counted as it should be
    await Follow.create(follower_id=ann.id, followee_id=bob.id, accepted=True)  # a row with no counts
    await Follow.create(follower_id=bob.id, followee_id=ann.id, accepted=False)  # a request counts nowhere
    await User.filter(id=carl.id).update(followers_count=7)

    fixes = await counters.recount()

    assert sorted(fixes, key=lambda fix: (fix.user_name, fix.field)) == [
        CountFix("ann", "followingCount", 0, 1),
        CountFix("bob", "followersCount", 0, 1),
        CountFix("carl", "followersCount", 7, 0),
    ]
    assert [await counts(user) for user in (ann, bob, carl)] == [(1, 1), (1, 0), (0, 1)]
    assert await counters.recount() == []  # fixed: nothing left


async def test_a_hidden_users_follows_leave_the_other_sides_counts_and_come_back(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    carl = await make_user("carl")
    await follows.follow(actor=ann, user_name="bob")
    await follows.follow(actor=carl, user_name="ann")

    await hide(ann)
    assert (await counts(bob), await counts(carl)) == ((0, 0), (0, 0))
    assert await counts(ann) == (1, 1)  # its own counters stay as they are
    assert await counters.recount() == []  # recount counts the same way

    await show(ann)
    assert (await counts(bob), await counts(carl)) == ((1, 0), (0, 1))
    assert await counters.recount() == []


async def test_a_suspension_shifts_the_counts_alike(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    await follows.follow(actor=ann, user_name="bob")

    await hide(ann, suspend=True)

    assert await counts(bob) == (0, 0)
    assert await counters.recount() == []


async def test_releasing_a_users_counts_before_deleting_it_keeps_everyone_elses_true(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    carl = await make_user("carl")
    await follows.follow(actor=ann, user_name="bob")
    await follows.follow(actor=carl, user_name="ann")

    async with in_transaction():
        await counters.release_counts(user_id=ann.id)
        await User.filter(id=ann.id).delete()

    assert (await counts(bob), await counts(carl)) == ((0, 0), (0, 0))
    assert await counters.recount() == []


async def test_add_applies_each_users_deltas(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")

    await counters.add({bob.id: (2, 0), ann.id: (0, 3)})
    await counters.add({ann.id: (1, -1), bob.id: (0, 0)})

    assert (await counts(ann), await counts(bob)) == ((1, 2), (2, 0))
