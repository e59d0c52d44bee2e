"""The viewer's relation to users (following, followed by, requested, blocking), read in bulk."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import Block, Follow
from models.fast_reads import PreparedRows, PreparedUnionRows


@dataclass(frozen=True)
class Relationship:
    """The viewer's relation to one user."""

    following: bool = False
    followed_by: bool = False
    requested: bool = False
    requested_by: bool = False
    blocking: bool = False


PREPARED_RELATIONS_MAX = 128  # lists of up to this many users read their relations in one query, built once per size


@functools.cache
def _relation_query(size: int) -> PreparedUnionRows:
    """The query of ``relationships`` for ``size`` users, built once: the follows between the viewer and them
    both ways, then the viewer's blocks of them (``accepted`` null), one statement (values: the viewer, twice
    for the follows, then the ids; the viewer and the ids again for the blocks)."""

    def follows(viewer: int, viewer_again: int, *ids: int) -> QuerySet[Follow]:
        return Follow.filter(
            Q(follower_id=viewer, followee_id__in=ids[:size]) | Q(followee_id=viewer_again, follower_id__in=ids[size:])
        )

    def blocks(viewer: int, *ids: int) -> QuerySet[Block]:
        return Block.filter(blocker_id=viewer, blocked_id__in=ids)

    return PreparedUnionRows(
        PreparedRows(
            Follow, follows, int, int, *[int] * (2 * size), columns=("follower_id", "followee_id", "accepted")
        ),
        PreparedRows(Block, blocks, int, *[int] * size, columns=("blocker_id", "blocked_id")),  # accepted: null
    )


async def relationships(*, viewer_id: int, user_ids: Iterable[int]) -> dict[int, Relationship]:
    """The viewer's relation to each of these users: in one query for up to PREPARED_RELATIONS_MAX users, else two."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    if len(ids) <= PREPARED_RELATIONS_MAX:
        found = await _relation_query(len(ids)).rows(viewer_id, viewer_id, *ids, *ids, viewer_id, *ids)
        follows = [row for row in found if row[2] is not None]
        blocking = {row[1] for row in found if row[2] is None}
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
