"""The followers and following counters: kept equal to the follow rows whose other side is shown.

Follow actions change them in their own transaction (``add``, ``F(...) ± 1``, never read-modify-write);
hiding, showing and deleting a user shift them on the other side of its follows; ``recount`` proves them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Follow, User
from services.people import locks
from services.people.visibility import shown


async def add(changes: dict[int, tuple[int, int]]) -> None:
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
        await locks.lock_rows(locked)
        followees, followers = await _locked_follows(user_id)
        around = {user_id, *followees, *followers}


async def _locked_follows(user_id: int) -> tuple[list[int], list[int]]:
    """The users the user follows, and those who follow it, read with a locking read: the latest rows (MySQL's
    plain reads show the transaction's first snapshot). Two reads, each one range of one list index: a
    single OR'ed read scans and locks the whole table on MariaDB, and then waits crosswise with every follow."""
    followees = await Follow.filter(follower_id=user_id, accepted=True).select_for_update().only("id", "followee_id")
    followers = await Follow.filter(followee_id=user_id, accepted=True).select_for_update().only("id", "follower_id")
    return [row.followee_id for row in followees], [row.follower_id for row in followers]  # type: ignore[attr-defined]


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
    return Follow.filter(shown(OTHER_SIDE[column]), accepted=True, **filters)


async def _accepted_per(column: str) -> list[tuple[int, int]]:
    return await (
        Follow.filter(shown(OTHER_SIDE[column]), accepted=True)
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
