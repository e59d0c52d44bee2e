"""People: follow status, the viewer's relationship to a user, lists of users, and the loaders behind them.

Fields on a list of users (viewerRelationship, followers, following) go through per-request DataLoaders:
a page of 100 users costs the same few queries as a page of one.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from models import User as UserModel
from schema.context import Context
from schema.pagination import PageInfo, check_first, decode_cursor
from services.people import lists, relationships
from services.people.visibility import connections_visible

if TYPE_CHECKING:
    from schema.types import User

# schema.types (User) builds on the types here; they name User lazily, so imports go one way.
UserType = Annotated["User", strawberry.lazy("schema.types")]


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
    def of(cls, relationship: relationships.Relationship) -> Relationship:
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
    node: UserType = strawberry.field(description="The user.")
    followed_at: datetime | None = strawberry.field(
        description="On followers and following lists: when the follow began (UTC); on followRequests: when the "
        "request was made; on blockedUsers: when the block began; null in the directory."
    )
    node_id: strawberry.Private[int]  # the user's row id, for reading the viewer's relations with the page


class EdgeMaker(Protocol):
    """How a list's entries become edges (schema.types.Edges): from a page's columns, or from a model entry."""

    @property
    def columns(self) -> tuple[str, ...]: ...

    def made(self, position: Any, *values: Any) -> UserEdge: ...

    def of(self, entry: lists.Entry) -> UserEdge: ...


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
    user: UserType = strawberry.field(description="The followed user, as the viewer sees it after the change.")


async def _read_relationships(context: Context, viewer: UserModel, ids: tuple[int, ...]) -> None:
    """The viewer's relation to each of ``ids``, into ``info.context.relationships``. Pages and single users
    asking in the same tick share one batch (one loader key per group of ids, not per user)."""

    async def load(groups: list[tuple[int, ...]]) -> list[dict[int, relationships.Relationship]]:
        found = await relationships.relationships(viewer_id=viewer.id, user_ids={i for group in groups for i in group})
        return [{user_id: found[user_id] for user_id in group} for group in groups]

    loader: DataLoader[tuple[int, ...], dict[int, relationships.Relationship]] = context.loader("relationships", load)
    context.relationships.update(await loader.load(ids))


async def _relationships(context: Context, viewer: UserModel, user_id: int) -> relationships.Relationship:
    if user_id not in context.relationships:
        await _read_relationships(context, viewer, (user_id,))
    return context.relationships[user_id]


async def prefetch_relationships(info: Info[Context, Any], user_ids: Sequence[int]) -> None:
    """The viewer's relation to each user of a page (``user_ids``), read with the page when the query asks for
    it, so each entry's viewerRelationship answers at once instead of awaiting a loader."""
    if not user_ids or not selects_on_nodes(info, "viewerRelationship"):
        return
    viewer = await info.context.require_user()
    known = info.context.relationships
    ids = tuple(user_id for user_id in user_ids if user_id != viewer.id and user_id not in known)
    if ids:
        await _read_relationships(info.context, viewer, ids)


def viewer_relationship(
    context: Context, user_id: int, *, seen_by_owner: bool
) -> Relationship | Awaitable[Relationship | None] | None:
    """The viewer's relation to a user: at once when a page prefetched it, else through the request's loader."""
    if seen_by_owner:  # the user of a login or register payload: the caller is signing in as it
        return None
    known = context.relationships.get(user_id)
    if known is not None:
        return _shown(known)
    return _viewer_relationship(context, user_id)


@functools.cache
def _shown(relationship: relationships.Relationship) -> Relationship:
    """The GraphQL form of a relation: one object per combination of flags (a few dozen at most), shared by
    every entry of every page that has it (no field of it changes once made)."""
    return Relationship.of(relationship)


async def _viewer_relationship(context: Context, user_id: int) -> Relationship | None:
    viewer = await context.require_user()
    if viewer.id == user_id:
        return None
    return _shown(await _relationships(context, viewer, user_id))


def selects_on_nodes(info: Info[Context, Any], field: str) -> bool:
    """Whether the list field being resolved selects ``field`` on its entries (``edges { node { field } }``),
    through fragments too.

    Answered once per field of a document (by its path without list indexes: the one abstract type, Node,
    has one implementation, User, so that path always has the same selections) and kept while the parsed
    document lives. Only a prefetch hangs on the answer: were it ever wrong, viewerRelationship would still
    answer rightly, through its loader.
    """
    operation = info.operation
    answers = _SELECTS.get(id(operation))
    if answers is None:
        answers = _SELECTS[id(operation)] = {}
        weakref.finalize(operation, _SELECTS.pop, id(operation), None)
    key = (*(step for step in info.path.as_list() if isinstance(step, str)), field)
    found = answers.get(key)
    if found is None:
        found = answers[key] = _selects(info.selected_fields, ("edges", "node", field))
    return found


# By parsed operation (its id, while it lives): each list field's answer of selects_on_nodes.
_SELECTS: dict[int, dict[tuple[str, ...], bool]] = {}


def _selects(selections: Iterable[Selection], path: tuple[str, ...]) -> bool:
    fields: list[Selection] = list(selections)
    for step in path:
        fields = [found for selected in fields for found in _subfields(selected.selections, step)]
        if not fields:
            return False
    return True


def _subfields(selections: Iterable[Selection], name: str) -> Iterator[SelectedField]:
    """The fields called ``name`` among ``selections``, inline fragments and fragment spreads included."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                yield selection
        else:
            yield from _subfields(selection.selections, name)


async def follow_page(
    info: Info[Context, Any],
    list_name: lists.FollowList,
    *,
    owner_id: int,
    private: bool,
    seen_by_owner: bool,
    first: int,
    after: str | None,
    edges: EdgeMaker,
) -> tuple[list[UserEdge], bool, Callable[[], Awaitable[int]]] | None:
    """A page of a user's followers or following (its edges, made by ``edges``, and whether more follow) and a
    way to count the list, or None if the viewer may not see them
    (services.people.visibility.connections_visible): the field reads null, and the page around it stays whole."""
    first = check_first(first)
    position = decode_cursor(after, list_name, int)
    if seen_by_owner:  # the user of a login or register payload: the caller is signing in as it
        viewer_id = owner_id
    else:
        viewer = await info.context.require_user()
        viewer_id = viewer.id

        async def follows() -> bool:  # through the request's relations loader, batched with the page's
            return (await _relationships(info.context, viewer, owner_id)).following

        if not await connections_visible(viewer, owner_id, private=private, follows=follows):
            return None

    async def load_pages(ids: list[int]) -> list[tuple[list[UserEdge], bool]]:
        if len(ids) == 1:  # one owner (nearly always): its rows made into edges at once
            made = await lists.follow_page_made(
                list_name,
                viewer_id=viewer_id,
                owner_id=ids[0],
                first=first,
                after=position,
                columns=edges.columns,
                make=edges.made,
            )
            return [made]
        pages = await lists.follow_lists(list_name, viewer_id=viewer_id, owner_ids=ids, first=first, after=position)
        return [([edges.of(entry) for entry in pages[owner].entries], pages[owner].has_next) for owner in ids]

    async def load_totals(ids: list[int]) -> list[int]:
        totals = await lists.count_follow_lists(list_name, viewer_id=viewer_id, owner_ids=ids)
        return [totals[owner] for owner in ids]

    found, has_next = await info.context.loader(f"{list_name}:{viewer_id}:{first}:{position}", load_pages).load(
        owner_id
    )
    await prefetch_relationships(info, [edge.node_id for edge in found])

    async def total() -> int:
        count: int = await info.context.loader(f"{list_name}:{viewer_id}:total", load_totals).load(owner_id)
        return count

    return found, has_next, total
