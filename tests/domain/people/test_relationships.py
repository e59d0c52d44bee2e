"""services.people.relationships: the viewer's relation to several users at once (following, followed by,
requested, requested by, blocking)."""

from __future__ import annotations

from models import Block
from services.people import follows
from services.people.relationships import PREPARED_RELATIONS_MAX, Relationship, relationships
from tests.domain.people.support import MakeUser


async def test_the_viewers_relation_to_each_user_in_one_call(make_user: MakeUser) -> None:
    viewer = await make_user("viewer", private=True)
    friend, fan, idol, asker, blocked, stranger = [
        await make_user(name) for name in ("friend", "fan", "idol", "asker", "blocked", "stranger")
    ]
    private = await make_user("private", private=True)
    await follows.follow(actor=viewer, user_name="friend")
    await follows.follow(actor=friend, user_name="viewer")
    await follows.approve_request(actor=viewer, user_name="friend")
    await follows.follow(actor=fan, user_name="viewer")
    await follows.approve_request(actor=viewer, user_name="fan")
    await follows.follow(actor=viewer, user_name="idol")
    await follows.follow(actor=asker, user_name="viewer")  # pending
    await follows.follow(actor=viewer, user_name="private")  # pending
    await Block.create(blocker_id=viewer.id, blocked_id=blocked.id)
    users = (friend, fan, idol, asker, blocked, stranger, private)

    found = await relationships(viewer_id=viewer.id, user_ids=[user.id for user in users] * 2)  # repeats: once

    assert found == {
        friend.id: Relationship(following=True, followed_by=True),
        fan.id: Relationship(followed_by=True),
        idol.id: Relationship(following=True),
        asker.id: Relationship(requested_by=True),
        blocked.id: Relationship(blocking=True),
        stranger.id: Relationship(),
        private.id: Relationship(requested=True),
    }
    many = [user.id for user in users] + list(range(10**6, 10**6 + PREPARED_RELATIONS_MAX))  # the bulk path
    assert {
        user_id: value
        for user_id, value in (await relationships(viewer_id=viewer.id, user_ids=many)).items()
        if user_id < 10**6
    } == found
    assert await relationships(viewer_id=viewer.id, user_ids=[]) == {}


async def test_a_relation_is_the_viewers_own_not_the_other_sides(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    await Block.create(blocker_id=bob.id, blocked_id=ann.id)

    assert await relationships(viewer_id=ann.id, user_ids=[bob.id]) == {bob.id: Relationship()}
    assert await relationships(viewer_id=bob.id, user_ids=[ann.id]) == {ann.id: Relationship(blocking=True)}
