"""Social actions: follow, unfollow, requests, blocks. Keyword-only, GraphQL-free.

Each action is one transaction that changes the rows and, in the same transaction, the counters that
count them (``F(...) ± 1``, never read-modify-write). Every transaction first locks the users it touches
in id order: two actions on the same pair of users run one after the other, and two transactions
never wait on each other crosswise. The counters are then exactly the rows: ``recount`` proves it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Block, Follow, User, UserProfile
from models.fast_reads import PreparedRows
from services.deadlocks import retried
from services.errors import Forbidden, InvalidInput, NotFound
from services.people import lookup

FollowStatus = Literal["FOLLOWING", "REQUESTED"]


@dataclass(frozen=True)
class FollowResult:
    status: FollowStatus
    user: User


@dataclass(frozen=True)
class Relationship:
    """The viewer's relation to one user."""

    following: bool = False
    followed_by: bool = False
    requested: bool = False
    requested_by: bool = False
    blocking: bool = False


def _no_such_user(user_name: str) -> NotFound:
    return NotFound(f"No user is named {user_name!r}.", field="userName")


async def _other(actor: User, user_name: str, action: str) -> User:
    """The user an action names, as the actor may see it: NOT_FOUND when unknown or blocking the actor."""
    target = await lookup.visible_by_name(user_name, viewer_id=actor.id)
    if target is None:
        raise _no_such_user(user_name)
    if target.id == actor.id:
        raise InvalidInput(f"You cannot {action} yourself.", field="userName")
    return target


async def _named(actor: User, user_name: str, action: str) -> User:
    """The user ``block`` and ``unblock`` name: also one who blocks the actor. Blocking works both ways
    whoever blocked first, and answers alike, so neither side learns it was blocked. NOT_FOUND when unknown,
    deactivated or suspended, as everywhere."""
    target = await lookup.by_name(user_name)
    if target is None or _hidden(target):
        raise _no_such_user(user_name)
    if target.id == actor.id:
        raise InvalidInput(f"You cannot {action} yourself.", field="userName")
    return target


async def _named_after(target: User, user_name: str) -> User:
    """The target of ``block`` or ``unblock`` after the change, shown alike whether or not it blocks the actor."""
    user = await lookup.by_id(target.id)
    if user is None or _hidden(user):
        raise _no_such_user(user_name)
    return user


async def _after(actor: User, target: User, user_name: str) -> User:
    """The target as the actor sees it after the change."""
    user = await lookup.visible_by_id(target.id, viewer_id=actor.id)
    if user is None:
        raise _no_such_user(user_name)
    return user


async def _lock(user_ids: Iterable[int]) -> bool:
    """Lock these users' rows in id order (inside a transaction); False when one of them is gone or hidden
    (deactivated or suspended meanwhile: its follows must not change while they count for no one)."""
    ids = set(user_ids)
    found = await _lock_rows(ids)
    return len(found) == len(ids) and not any(_hidden(user) for user in found)


async def _count(changes: dict[int, tuple[int, int]]) -> None:
    """Add (followers, following) deltas to each user's counters, in id order, atomically."""
    for user_id in sorted(changes):
        followers, following = changes[user_id]
        update = {}
        if followers:
            update["followers_count"] = F("followers_count") + followers
        if following:
            update["following_count"] = F("following_count") + following
        if update:
            await User.filter(id=user_id).update(**update)


async def _values(query: QuerySet[Any], column: str) -> list[Any]:
    """One column of the rows (Tortoise types a flat values_list as tuples)."""
    return cast(list[Any], await query.values_list(column, flat=True))


def _between(a: int, b: int) -> Q:
    return Q(follower_id=a, followee_id=b) | Q(follower_id=b, followee_id=a)


@retried
async def follow(*, actor: User, user_name: str) -> FollowResult:
    """Follow a public account at once; ask a private one. Following again changes nothing."""
    target = await _other(actor, user_name, "follow")
    async with in_transaction():
        if not await _lock((actor.id, target.id)):
            raise _no_such_user(user_name)
        blocks = await _values(
            Block.filter(Q(blocker_id=actor.id, blocked_id=target.id) | Q(blocker_id=target.id, blocked_id=actor.id)),
            "blocker_id",
        )
        if target.id in blocks:
            raise _no_such_user(user_name)  # as if the target did not exist
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
                await _count({actor.id: (0, 1), target.id: (1, 0)})
    return FollowResult("FOLLOWING" if accepted else "REQUESTED", await _after(actor, target, user_name))


@retried
async def unfollow(*, actor: User, user_name: str) -> User:
    """Stop following, or withdraw a pending request. A no-op for a stranger."""
    target = await _other(actor, user_name, "unfollow")
    async with in_transaction():
        if not await _lock((actor.id, target.id)):
            raise _no_such_user(user_name)
        ended = await Follow.filter(follower_id=actor.id, followee_id=target.id, accepted=True).delete()
        await Follow.filter(follower_id=actor.id, followee_id=target.id, accepted=False).delete()
        if ended:
            await _count({actor.id: (0, -1), target.id: (-1, 0)})
    return await _after(actor, target, user_name)


@retried
async def remove_follower(*, actor: User, user_name: str) -> User:
    """Make a follower stop following the actor. A no-op for someone who does not follow."""
    target = await _other(actor, user_name, "remove")
    async with in_transaction():
        if not await _lock((actor.id, target.id)):
            raise _no_such_user(user_name)
        if await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=True).delete():
            await _count({actor.id: (-1, 0), target.id: (0, -1)})
    return await _after(actor, target, user_name)


@retried
async def approve_request(*, actor: User, user_name: str) -> User:
    """Turn a pending request into a follow; NOT_FOUND when there is none (approving twice is fine)."""
    target = await _other(actor, user_name, "approve")
    async with in_transaction():
        if not await _lock((actor.id, target.id)):
            raise _no_such_user(user_name)
        # The follow replaces the request (a new id): in the lists, it began now.
        if await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=False).delete():
            await Follow.create(follower_id=target.id, followee_id=actor.id, accepted=True)
            await _count({actor.id: (1, 0), target.id: (0, 1)})
        elif not await Follow.exists(follower_id=target.id, followee_id=actor.id, accepted=True):
            raise NotFound(f"{user_name} has not asked to follow you.", field="userName")
    return await _after(actor, target, user_name)


@retried
async def reject_request(*, actor: User, user_name: str) -> User:
    """Drop a pending request. A no-op when there is none."""
    target = await _other(actor, user_name, "reject")
    await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=False).delete()
    return await _after(actor, target, user_name)


async def approve_all_requests(*, owner_id: int) -> int:
    """Inside the transaction that makes the account public: approve every pending request to it (a public
    account has none); returns how many. Call it first in that transaction: it locks the owner and the
    requesters in id order, so no follow action slips in between and no lock is taken out of order.

    Counted as ``hidden_changed`` counts: the requesters' followingCount only while the owner is shown (a
    hidden owner's follows enter those counts when it returns), the owner's followersCount only for shown
    requesters (hidden ones enter it when they return).
    """
    pending = set(await _values(Follow.filter(followee_id=owner_id, accepted=False), "follower_id"))
    rows: dict[int, User] = {}
    while not {owner_id, *pending} <= rows.keys():
        # Requests made between the read and the lock are read again: once the owner is locked, none can be.
        rows = {user.id: user for user in await _lock_rows({*rows, owner_id, *pending})}
        if owner_id not in rows:
            return 0  # deleted meanwhile
        requests = Follow.filter(followee_id=owner_id, accepted=False)
        pending = {row.follower_id for row in await requests.select_for_update()}  # type: ignore[attr-defined]
    if not pending:
        return 0
    await Follow.filter(followee_id=owner_id, accepted=False, follower_id__in=pending).delete()
    await Follow.bulk_create([Follow(follower_id=user_id, followee_id=owner_id, accepted=True) for user_id in pending])
    if not _hidden(rows[owner_id]):
        await User.filter(id__in=sorted(pending)).update(following_count=F("following_count") + 1)
    shown = sum(1 for user_id in pending if not _hidden(rows[user_id]))
    if shown:
        await User.filter(id=owner_id).update(followers_count=F("followers_count") + shown)
    return len(pending)


@retried
async def block(*, actor: User, user_name: str) -> User:
    """Block a user: follows both ways and requests between the two end; the target loses sight of the actor.
    Also a user who blocks the actor: each block stands on its own, and is lifted only by its own unblock."""
    target = await _named(actor, user_name, "block")
    async with in_transaction():
        if not await _lock((actor.id, target.id)):
            raise _no_such_user(user_name)
        if not await Block.exists(blocker_id=actor.id, blocked_id=target.id):
            await Block.create(blocker_id=actor.id, blocked_id=target.id)
        actor_followed = await Follow.filter(follower_id=actor.id, followee_id=target.id, accepted=True).delete()
        target_followed = await Follow.filter(follower_id=target.id, followee_id=actor.id, accepted=True).delete()
        await Follow.filter(_between(actor.id, target.id)).delete()  # pending requests either way
        await _count({actor.id: (-target_followed, -actor_followed), target.id: (-actor_followed, -target_followed)})
    return await _named_after(target, user_name)


@retried
async def unblock(*, actor: User, user_name: str) -> User:
    """Lift a block. A no-op when there is none; follows ended by the block stay ended."""
    target = await _named(actor, user_name, "unblock")
    await Block.filter(blocker_id=actor.id, blocked_id=target.id).delete()
    return await _named_after(target, user_name)


async def release_counts(*, user_id: int) -> None:
    """Before a user is deleted (in the deleting transaction): take its follows out of everyone's counters.

    Its rows go with it (ON DELETE CASCADE); the counters of the users on the other side would not. A
    hidden user's follows count nowhere already (see hidden_changed).
    """
    await lock_around(user_id=user_id)
    user = await User.filter(id=user_id).select_for_update().only("id", "account_deleted", "suspended_at").first()
    if user is None or user.account_deleted or user.suspended_at is not None:
        return
    await _shift_counts(user_id, -1)


async def hidden_changed(*, user_id: int, hidden: bool) -> None:
    """The user was just hidden (deactivated, suspended) or shown again, in the transaction that flipped it,
    its row locked: its follows leave (or re-enter) the counters of the users on the other side.

    A count is the number of accepted follows whose other side is shown; the hidden user's own counters
    stay as they are. Its follows cannot change while it is hidden (every follow action locks both users
    and refuses a hidden one), so showing it again adds back exactly what hiding took away.
    """
    await _shift_counts(user_id, -1 if hidden else 1)


async def lock_around(*, user_id: int) -> None:
    """Lock a user and everyone on the other side of its follows, in id order: the start of a transaction
    that hides, shows or deletes it, so it never waits crosswise on a follow action (which locks in id order
    too). Follows made between the first read and the lock are read again and their users locked: once the
    user is locked, no follow of it can begin, so the second read is the last."""
    follows = Follow.filter(Q(follower_id=user_id) | Q(followee_id=user_id), accepted=True)
    around = {user_id, *(user for pair in await follows.values_list("follower_id", "followee_id") for user in pair)}
    locked: set[int] = set()
    while not around <= locked:
        locked |= around
        await _lock_rows(locked)
        followees, followers = await _locked_follows(user_id)
        around = {user_id, *followees, *followers}


async def _locked_follows(user_id: int) -> tuple[list[int], list[int]]:
    """The users the user follows, and those who follow it, read with a locking read: the latest rows (MySQL's
    plain reads show the transaction's first snapshot). Two reads, each one range of one list index: a
    single OR'ed read scans and locks the whole table on MariaDB, and then waits crosswise with every follow."""
    followees = await Follow.filter(follower_id=user_id, accepted=True).select_for_update().only("id", "followee_id")
    followers = await Follow.filter(followee_id=user_id, accepted=True).select_for_update().only("id", "follower_id")
    return [row.followee_id for row in followees], [row.follower_id for row in followers]  # type: ignore[attr-defined]


def _hidden(user: User) -> bool:
    return bool(user.account_deleted or user.suspended_at)


async def _lock_rows(user_ids: Iterable[int]) -> list[User]:
    """Lock these users' rows in id order (rows this transaction holds already are not waited for), and
    read whether each is hidden as it is now (a locking read sees the latest committed row)."""
    # A model query: Tortoise drops FOR UPDATE from values()/values_list() queries.
    query = User.filter(id__in=sorted(set(user_ids))).order_by("id").select_for_update()
    return list(await query.only("id", "account_deleted", "suspended_at"))


async def _shift_counts(user_id: int, delta: int) -> None:
    """Add ``delta`` to the counters on the other side of the user's follows (after ``lock_around``)."""
    # A locking read sees the latest committed rows (a plain read in MySQL's REPEATABLE READ would see the
    # transaction's first snapshot, taken before the locks were held). The users are locked already, so no
    # follow action holds one of these rows.
    followees, followers = await _locked_follows(user_id)
    if followees:
        await User.filter(id__in=followees).update(followers_count=F("followers_count") + delta)
    if followers:
        await User.filter(id__in=followers).update(following_count=F("following_count") + delta)


PREPARED_RELATIONS_MAX = 128  # lists of up to this many users read their relations with SQL built once per size


@functools.cache
def _relation_queries(size: int) -> tuple[PreparedRows, PreparedRows]:
    """The two queries of ``relationships`` for ``size`` users, built once (values: the viewer, twice for
    the follows, then the ids)."""

    def follows(viewer: int, viewer_again: int, *ids: int) -> QuerySet[Follow]:
        return Follow.filter(
            Q(follower_id=viewer, followee_id__in=ids[:size]) | Q(followee_id=viewer_again, follower_id__in=ids[size:])
        )

    def blocks(viewer: int, *ids: int) -> QuerySet[Block]:
        return Block.filter(blocker_id=viewer, blocked_id__in=ids)

    return (
        PreparedRows(
            Follow, follows, int, int, *[int] * (2 * size), columns=("follower_id", "followee_id", "accepted")
        ),
        PreparedRows(Block, blocks, int, *[int] * size, columns=("blocked_id",)),
    )


async def relationships(*, viewer_id: int, user_ids: Iterable[int]) -> dict[int, Relationship]:
    """The viewer's relation to each of these users, in two queries."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    if len(ids) <= PREPARED_RELATIONS_MAX:
        follow_query, block_query = _relation_queries(len(ids))
        follows = await follow_query.rows(viewer_id, viewer_id, *ids, *ids)
        blocking = {row[0] for row in await block_query.rows(viewer_id, *ids)}
    else:
        follows = await Follow.filter(
            Q(follower_id=viewer_id, followee_id__in=ids) | Q(followee_id=viewer_id, follower_id__in=ids)
        ).values_list("follower_id", "followee_id", "accepted")
        blocking = set(await _values(Block.filter(blocker_id=viewer_id, blocked_id__in=ids), "blocked_id"))
    flags: dict[int, dict[str, bool]] = {user_id: {"blocking": user_id in blocking} for user_id in ids}
    for follower_id, followee_id, accepted in follows:
        if follower_id == viewer_id and followee_id in flags:
            flags[followee_id]["following" if accepted else "requested"] = True
        if followee_id == viewer_id and follower_id in flags:
            flags[follower_id]["followed_by" if accepted else "requested_by"] = True
    return {user_id: Relationship(**values) for user_id, values in flags.items()}


@dataclass(frozen=True)
class CountFix:
    user_name: str
    field: str  # the API's name: followersCount or followingCount
    was: int
    now: int


async def recount() -> list[CountFix]:
    """Check every user's counters against the follow rows; fix the ones that differ and say which.

    The check reads in bulk; each fix recounts one user's rows under that user's lock, so a fix never
    races a follow in flight.
    """
    followers = dict(await _accepted_per("followee_id"))
    following = dict(await _accepted_per("follower_id"))
    stored = await User.all().order_by("id").values_list("id", "followers_count", "following_count")
    fixes: list[CountFix] = []
    for user_id, followers_count, following_count in stored:
        if (followers_count, following_count) != (followers.get(user_id, 0), following.get(user_id, 0)):
            fixes.extend(await _fix(user_id))
    return fixes


# A user's followers are counted over shown followers, its follows over shown followees (see hidden_changed).
OTHER_SIDE = {"followee_id": "follower__", "follower_id": "followee__"}


def _counted(**filters: object) -> QuerySet[Follow]:
    column = next(iter(filters))
    return Follow.filter(lookup.shown(OTHER_SIDE[column]), accepted=True, **filters)


async def _accepted_per(column: str) -> list[tuple[int, int]]:
    return await (
        Follow.filter(lookup.shown(OTHER_SIDE[column]), accepted=True)
        .group_by(column)
        .annotate(n=Count("id"))
        .values_list(column, "n")
    )


async def _fix(user_id: int) -> list[CountFix]:
    async with in_transaction():
        user = await User.filter(id=user_id).select_for_update().first()
        if user is None:
            return []  # deleted meanwhile
        true_followers = await _counted(followee_id=user_id).count()
        true_following = await _counted(follower_id=user_id).count()
        await User.filter(id=user_id).update(followers_count=true_followers, following_count=true_following)
    fixes = []
    if user.followers_count != true_followers:
        fixes.append(CountFix(user.user_name, "followersCount", user.followers_count, true_followers))
    if user.following_count != true_following:
        fixes.append(CountFix(user.user_name, "followingCount", user.following_count, true_following))
    return fixes
