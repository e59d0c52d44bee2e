"""Blocks: block and unblock. Keyword-only, GraphQL-free.

A block ends the follows and requests between the two users, in one transaction that locks both in id
order and updates the counters with the rows (as services.people.follows does).
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import Block, Follow, User
from services.deadlocks import retried
from services.people import counters, locks, targets
from services.webhooks import payloads
from services.webhooks.events import emit


def _between(a: int, b: int) -> Q:
    return Q(follower_id=a, followee_id=b) | Q(follower_id=b, followee_id=a)


@retried
async def block(*, actor: User, user_name: str) -> User:
    """Block a user: follows both ways and requests between the two end; the target loses sight of the actor.
    Also a user who blocks the actor: each block stands on its own, and is lifted only by its own unblock."""
    target = await targets.named(actor, user_name, "block")
    async with in_transaction():
        if not await locks.lock((actor.id, target.id)):
            raise targets.no_such_user(user_name)
        if not await Block.exists(blocker_id=actor.id, blocked_id=target.id):
            await Block.create(blocker_id=actor.id, blocked_id=target.id)
        actor_followed = await Follow.filter(follower_id=actor.id, followee_id=target.id, accepted=True).delete()
        target_followed = await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=True).delete()
        await Follow.filter(_between(actor.id, target.id)).delete()  # pending requests either way
        await counters.add(
            {actor.id: (-target_followed, -actor_followed), target.id: (-actor_followed, -target_followed)}
        )
        if actor_followed:
            await emit("follow.deleted", payloads.follow(actor, target))
        if target_followed:
            await emit("follow.deleted", payloads.follow(target, actor))
    return await targets.named_after(target, user_name)


@retried
async def unblock(*, actor: User, user_name: str) -> User:
    """Lift a block. A no-op when there is none; follows ended by the block stay ended."""
    target = await targets.named(actor, user_name, "unblock")
    await Block.filter(blocker_id=actor.id, blocked_id=target.id).delete()
    return await targets.named_after(target, user_name)
