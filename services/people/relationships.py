"""The viewer's relation to users (following, followed by, requested, blocking), read in bulk."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import Block, Follow
from models.fast_reads import PreparedRows


@dataclass(frozen=True)
class Relationship:
    """The viewer's relation to one user."""

    following: bool = False
    followed_by: bool = False
    requested: bool = False
    requested_by: bool = False
    blocking: bool = False


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
        blocked = Block.filter(blocker_id=viewer_id, blocked_id__in=ids).values_list("blocked_id", flat=True)
        blocking = set(cast(list[int], await blocked))
    flags: dict[int, dict[str, bool]] = {user_id: {"blocking": user_id in blocking} for user_id in ids}
    for follower_id, followee_id, accepted in follows:
        if follower_id == viewer_id and followee_id in flags:
            flags[followee_id]["following" if accepted else "requested"] = True
        if followee_id == viewer_id and follower_id in flags:
            flags[follower_id]["followed_by" if accepted else "requested_by"] = True
    return {user_id: Relationship(**values) for user_id, values in flags.items()}
