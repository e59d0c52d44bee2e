"""Follows and follow requests: follow, unfollow, remove a follower, approve or reject requests.
Keyword-only, GraphQL-free.

Each action is one transaction that changes the rows and, in the same transaction, the counters that
count them (services.people.counters) and the webhook event of a follow that began or ended (a request is
no follow: it raises follow.created when approved, nothing when withdrawn or rejected). Every transaction
first locks the users it touches in id order (services.people.locks): two actions on the same pair of
users run one after the other, and two transactions never wait on each other crosswise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Block, Follow, User, UserProfile
from services.deadlocks import retried
from services.errors import Forbidden, NotFound
from services.people import counters, locks, targets
from services.webhooks import payloads
from services.webhooks.events import emit

FollowStatus = Literal["FOLLOWING", "REQUESTED"]


@dataclass(frozen=True)
class FollowResult:
    status: FollowStatus
    user: User


async def _values(query: QuerySet[Any], column: str) -> list[Any]:
    """One column of the rows (Tortoise types a flat values_list as tuples)."""
    return cast(list[Any], await query.values_list(column, flat=True))


@retried
async def follow(*, actor: User, user_name: str) -> FollowResult:
    """Follow a public account at once; ask a private one. Following again changes nothing."""
    target = await targets.other(actor, user_name, "follow")
    async with in_transaction():
        if not await locks.lock((actor.id, target.id)):
            raise targets.no_such_user(user_name)
        blocks = await _values(
            Block.filter(Q(blocker_id=actor.id, blocked_id=target.id) | Q(blocker_id=target.id, blocked_id=actor.id)),
            "blocker_id",
        )
        if target.id in blocks:
            raise targets.no_such_user(user_name)  # as if the target did not exist
        if blocks:
            raise Forbidden("You block this user; unblock them first.", field="userName")
        existing = await _values(Follow.filter(follower_id=actor.id, followee_id=target.id), "accepted")
        if existing:
            accepted = existing[0]
        else:
            # Read under the lock: a privacy change approves pending requests under the same lock.
            private = await _values(UserProfile.filter(user_id=target.id), "account_privacy")
            accepted = not any(private)
            await Follow.create(follower_id=actor.id, followee_id=target.id, accepted=accepted)
            if accepted:
                await counters.add({actor.id: (0, 1), target.id: (1, 0)})
                await emit("follow.created", payloads.follow(actor, target))
    return FollowResult("FOLLOWING" if accepted else "REQUESTED", await targets.seen_after(actor, target, user_name))


@retried
async def unfollow(*, actor: User, user_name: str) -> User:
    """Stop following, or withdraw a pending request. A no-op for a stranger."""
    target = await targets.other(actor, user_name, "unfollow")
    async with in_transaction():
        if not await locks.lock((actor.id, target.id)):
            raise targets.no_such_user(user_name)
        ended = await Follow.filter(follower_id=actor.id, followee_id=target.id, accepted=True).delete()
        await Follow.filter(follower_id=actor.id, followee_id=target.id, accepted=False).delete()
        if ended:
            await counters.add({actor.id: (0, -1), target.id: (-1, 0)})
            await emit("follow.deleted", payloads.follow(actor, target))
    return await targets.seen_after(actor, target, user_name)


@retried
async def remove_follower(*, actor: User, user_name: str) -> User:
    """Make a follower stop following the actor. A no-op for someone who does not follow."""
    target = await targets.other(actor, user_name, "remove")
    async with in_transaction():
        if not await locks.lock((actor.id, target.id)):
            raise targets.no_such_user(user_name)
        if await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=True).delete():
            await counters.add({actor.id: (-1, 0), target.id: (0, -1)})
            await emit("follow.deleted", payloads.follow(target, actor))
    return await targets.seen_after(actor, target, user_name)


@retried
async def approve_request(*, actor: User, user_name: str) -> User:
    """Turn a pending request into a follow; NOT_FOUND when there is none (approving twice is fine)."""
    target = await targets.other(actor, user_name, "approve")
    async with in_transaction():
        if not await locks.lock((actor.id, target.id)):
            raise targets.no_such_user(user_name)
        # The follow replaces the request (a new id): in the lists, it began now.
        if await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=False).delete():
            await Follow.create(follower_id=target.id, followee_id=actor.id, accepted=True)
            await counters.add({actor.id: (1, 0), target.id: (0, 1)})
            await emit("follow.created", payloads.follow(target, actor))
        elif not await Follow.exists(follower_id=target.id, followee_id=actor.id, accepted=True):
            raise NotFound(f"{user_name} has not asked to follow you.", field="userName")
    return await targets.seen_after(actor, target, user_name)


@retried
async def reject_request(*, actor: User, user_name: str) -> User:
    """Drop a pending request. A no-op when there is none."""
    target = await targets.other(actor, user_name, "reject")
    await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=False).delete()
    return await targets.seen_after(actor, target, user_name)


async def approve_all_requests(*, owner_id: int) -> int:
    """Inside the transaction that makes the account public: approve every pending request to it (a public
    account has none); returns how many. Call it first in that transaction: it locks the owner and the
    requesters in id order, so no follow action slips in between and no lock is taken out of order.

    Counted as ``counters.hidden_changed`` counts: the requesters' followingCount only while the owner is shown (a
    hidden owner's follows enter those counts when it returns), the owner's followersCount only for shown
    requesters (hidden ones enter it when they return).
    """
    pending = set(await _values(Follow.filter(followee_id=owner_id, accepted=False), "follower_id"))
    rows: dict[int, User] = {}
    while not {owner_id, *pending} <= rows.keys():
        # Requests made between the read and the lock are read again: once the owner is locked, none can be.
        rows = {user.id: user for user in await locks.lock_rows({*rows, owner_id, *pending})}
        if owner_id not in rows:
            return 0  # deleted meanwhile
        requests = Follow.filter(followee_id=owner_id, accepted=False)
        pending = {row.follower_id for row in await requests.select_for_update()}  # type: ignore[attr-defined]
    if not pending:
        return 0
    await Follow.filter(followee_id=owner_id, accepted=False, follower_id__in=pending).delete()
    await Follow.bulk_create([Follow(follower_id=user_id, followee_id=owner_id, accepted=True) for user_id in pending])
    if not locks.hidden(rows[owner_id]):
        await User.filter(id__in=sorted(pending)).update(following_count=F("following_count") + 1)
    shown = sum(1 for user_id in pending if not locks.hidden(rows[user_id]))
    if shown:
        await User.filter(id=owner_id).update(followers_count=F("followers_count") + shown)
    for user_id in sorted(pending):  # each request became a follow
        await emit("follow.created", payloads.follow(rows[user_id], rows[owner_id]))
    return len(pending)
