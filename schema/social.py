"""People: follow status, the viewer's relationship to a user, lists of users, and the loaders behind them.

Fields on a list of users (viewerRelationship, followers, following) go through per-request DataLoaders:
a page of 100 users costs the same few queries as a page of one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from models import User as UserModel
from schema.context import Context
from schema.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from schema.types import User
from services import social, users
from services.errors import Forbidden
from services.visibility import may_see_connections


@strawberry.enum(description="Where a follow stands.")
class FollowStatus(Enum):
    FOLLOWING = strawberry.enum_value("FOLLOWING", description="The viewer follows the user.")
    REQUESTED = strawberry.enum_value(
        "REQUESTED", description="The user's account is private: the request waits for the user's approval."
    )


@strawberry.type(description="The signed-in viewer's relation to a user.")
class Relationship:
    following: bool = strawberry.field(description="The viewer follows the user.")
    followed_by: bool = strawberry.field(description="The user follows the viewer.")
    requested: bool = strawberry.field(description="The viewer's follow request to the user is pending.")
    requested_by: bool = strawberry.field(description="The user's follow request to the viewer is pending.")
    blocking: bool = strawberry.field(description="The viewer blocks the user.")

    @classmethod
    def of(cls, relationship: social.Relationship) -> Relationship:
        return cls(
            following=relationship.following,
            followed_by=relationship.followed_by,
            requested=relationship.requested,
            requested_by=relationship.requested_by,
            blocking=relationship.blocking,
        )


@strawberry.type(description="A user in a list, with its place in the list.")
class UserEdge:
    cursor: str = strawberry.field(description="This entry's place: pass it as after to get the entries that follow.")
    node: User = strawberry.field(description="The user.")
    followed_at: datetime | None = strawberry.field(
        description="On followers and following lists: when the follow began (UTC); on followRequests: when the "
        "request was made; on blockedUsers: when the block began; null in the directory."
    )


@strawberry.type(description="One page of a list of users.")
class UserConnection:
    edges: list[UserEdge] = strawberry.field(description="The page's entries, in the list's order.")
    page_info: PageInfo = strawberry.field(description="Where the page sits, for fetching the next one.")
    _total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many entries the whole list has, as the viewer sees it (counted when asked).")
    async def total_count(self) -> int:
        return await self._total()


@strawberry.type(description="The result of follow.")
class FollowPayload:
    status: FollowStatus = strawberry.field(
        description="FOLLOWING for a public account (at once), REQUESTED for a private one (until it approves)."
    )
    user: User = strawberry.field(description="The followed user, as the viewer sees it after the change.")


def connection(
    page: users.Page, *, kind: str, after: str | None, total: Callable[[], Awaitable[int]], dated: bool = True
) -> UserConnection:
    edges = [
        UserEdge(
            cursor=encode_cursor(kind, entry.position),
            node=User.from_model(entry.user),
            followed_at=entry.since if dated else None,
        )
        for entry in page.entries
    ]
    cursors = [edge.cursor for edge in edges]
    return UserConnection(
        edges=edges, page_info=PageInfo.of(cursors, has_next=page.has_next, after=after), _total=total
    )


async def _read_relationships(info: Info[Context, Any], viewer: UserModel, ids: tuple[int, ...]) -> None:
    """The viewer's relation to each of ``ids``, into ``info.context.relationships``. Pages and single users
    asking in the same tick share one batch (one loader key per group of ids, not per user)."""

    async def load(groups: list[tuple[int, ...]]) -> list[dict[int, social.Relationship]]:
        found = await social.relationships(viewer_id=viewer.id, user_ids={i for group in groups for i in group})
        return [{user_id: found[user_id] for user_id in group} for group in groups]

    loader: DataLoader[tuple[int, ...], dict[int, social.Relationship]] = info.context.loader("relationships", load)
    info.context.relationships.update(await loader.load(ids))


async def _relationships(info: Info[Context, Any], viewer: UserModel, user_id: int) -> social.Relationship:
    if user_id not in info.context.relationships:
        await _read_relationships(info, viewer, (user_id,))
    return info.context.relationships[user_id]


async def prefetch_relationships(info: Info[Context, Any], page: users.Page) -> None:
    """The viewer's relation to everyone on ``page``, read with the page when the query asks for it, so each
    entry's viewerRelationship answers at once instead of awaiting a loader."""
    if not page.entries or not selects_on_nodes(info, "viewerRelationship"):
        return
    viewer = await info.context.require_user()
    known = info.context.relationships
    ids = tuple(entry.user.id for entry in page.entries if entry.user.id != viewer.id and entry.user.id not in known)
    if ids:
        await _read_relationships(info, viewer, ids)


def viewer_relationship(
    info: Info[Context, Any], user_id: int, *, seen_by_owner: bool
) -> Relationship | Awaitable[Relationship | None] | None:
    """The viewer's relation to a user: at once when a page prefetched it, else through the request's loader."""
    if seen_by_owner:  # the user of a login or register payload: the caller is signing in as it
        return None
    known = info.context.relationships.get(user_id)
    if known is not None:
        return Relationship.of(known)
    return _viewer_relationship(info, user_id)


async def _viewer_relationship(info: Info[Context, Any], user_id: int) -> Relationship | None:
    viewer = await info.context.require_user()
    if viewer.id == user_id:
        return None
    return Relationship.of(await _relationships(info, viewer, user_id))


def selects_on_nodes(info: Info[Context, Any], field: str) -> bool:
    """Whether the list field being resolved selects ``field`` on its entries (``edges { node { field } }``),
    through fragments too."""
    raw = info._raw_info
    nodes: list[FieldNode] = list(raw.field_nodes)
    for step in ("edges", "node", field):
        nodes = [found for node in nodes for found in _subfields(node.selection_set, step, raw.fragments)]
        if not nodes:
            return False
    return True


def _subfields(
    selection_set: SelectionSetNode | None, name: str, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _subfields(selection.selection_set, name, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _subfields(fragments[selection.name.value].selection_set, name, fragments)


async def follow_list(
    info: Info[Context, Any],
    list_name: users.FollowList,
    *,
    owner_id: int,
    private: bool,
    seen_by_owner: bool,
    first: int,
    after: str | None,
) -> UserConnection:
    """A user's followers or following, if the viewer may see them (FORBIDDEN on the field if not)."""
    first = check_first(first)
    position = decode_cursor(after, list_name, int)
    if seen_by_owner:  # the user of a login or register payload: the caller is signing in as it
        viewer_id = owner_id
    else:
        viewer = await info.context.require_user()
        viewer_id = viewer.id
        follows = private and (await _relationships(info, viewer, owner_id)).following
        if not may_see_connections(viewer, owner_id, private=private, viewer_follows=follows):
            raise Forbidden(
                f"This account is private: only its owner and approved followers see its {list_name}.",
                field=list_name,
            )

    async def load_pages(ids: list[int]) -> list[users.Page]:
        pages = await users.follow_lists(list_name, viewer_id=viewer_id, owner_ids=ids, first=first, after=position)
        return [pages[owner] for owner in ids]

    async def load_totals(ids: list[int]) -> list[int]:
        totals = await users.count_follow_lists(list_name, viewer_id=viewer_id, owner_ids=ids)
        return [totals[owner] for owner in ids]

    page = await info.context.loader(f"{list_name}:{viewer_id}:{first}:{position}", load_pages).load(owner_id)
    await prefetch_relationships(info, page)

    async def total() -> int:
        count: int = await info.context.loader(f"{list_name}:{viewer_id}:total", load_totals).load(owner_id)
        return count

    return connection(page, kind=list_name, after=after, total=total)
