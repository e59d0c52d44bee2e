"""Objects by global id: node(id:) and nodes(ids:), the Relay way back to anything a client cached."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.nodes import Node, parse_global_id
from schema.pagination import FIRST_MAX
from schema.types import User
from services.errors import InvalidInput
from services.people import lookup

NodeId = Annotated[strawberry.ID, strawberry.argument(description="A global id: the id field of an object.")]
NodeIds = Annotated[
    list[strawberry.ID],
    strawberry.argument(description=f"Global ids (id fields of objects), at most {FIRST_MAX}; repeats are allowed."),
]
VISIBILITY = (
    "Null, as user(userName:) answers, where there is no such object or the caller may not see it: a user who "
    "blocks the caller, or one deactivated or suspended (admins still see those), or deleted. Private fields "
    "read as everywhere (null unless the caller is the user or an admin). Needs a token. "
)


async def _users(info: Info[Context, Any], user_ids: list[int]) -> list[User | None]:
    """The users of ``user_ids`` as the caller may see them, in order; every node() and nodes() of a request
    share one batch (one query)."""
    viewer = await info.context.require_user()

    async def load(ids: list[int]) -> list[User | None]:
        found = await lookup.visible_by_ids(set(ids), viewer_id=viewer.id, admin=viewer.is_admin)
        return [None if user_id not in found else User.from_model(found[user_id]) for user_id in ids]

    loader = info.context.loader("nodes:User", load)
    return list(await loader.load_many(user_ids))


def _user_id(value: str, field: str) -> int:
    _type_name, row_id = parse_global_id(value, field=field)  # only User ids parse: the one Node type
    return row_id


@strawberry.type
class NodeQuery:
    @strawberry.field(
        permission_classes=Auth,
        description="The object with this global id (the Relay node field): today a User. "
        + VISIBILITY
        + "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (not an id this "
        "server gave out; extensions.field is id).",
    )
    async def node(self, info: Info[Context, Any], id: NodeId) -> Node | None:
        row_id = _user_id(id, "id")
        (found,) = await _users(info, [row_id])
        return found

    @strawberry.field(
        permission_classes=Auth,
        description="The objects with these global ids, in the same order (the Relay nodes field); one query "
        "however many. " + VISIBILITY + "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), "
        f"BAD_USER_INPUT (more than {FIRST_MAX} ids, or one that is not an id this server gave out; "
        "extensions.field is ids).",
    )
    async def nodes(self, info: Info[Context, Any], ids: NodeIds) -> list[Node | None]:
        if len(ids) > FIRST_MAX:
            raise InvalidInput(f"ids takes at most {FIRST_MAX} ids.", field="ids")
        row_ids = [_user_id(value, "ids") for value in ids]
        return list(await _users(info, row_ids))
