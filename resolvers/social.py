"""People: follow, requests, blocks, the directory and the viewer's own lists."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from models import User as UserModel
from models.user import USER_NAME_MAX
from resolvers.arguments import Auth
from schema.context import Context
from schema.pagination import FIRST_DEFAULT, After, First, check_first, decode_cursor
from schema.social import FollowPayload, FollowStatus, UserConnection, prefetch_relationships
from schema.types import Edges, User, connection, edge_connection
from services.people import blocks, directory, follows, lists

Person = Annotated[
    str, strawberry.argument(description="The other user's name, in any case (john_doe and John_Doe are one user).")
]
SearchText = Annotated[
    str,
    strawberry.argument(
        description='The start of a userName, firstName, lastName or "firstName lastName", in any case '
        "(1 to 301 characters). Admins may also give an exact email or phone number."
    ),
]
SIGNED_IN = "Needs a token. "
ACTION_ERRORS = (
    "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), NOT_FOUND (no such user, or one who "
    "blocks the caller; extensions.field: userName), BAD_USER_INPUT (the caller's own name, or a name no one "
    "could hold; extensions.field: userName)"
)
# block and unblock find also a user who blocks the caller: blocking works both ways, and answers alike.
BLOCK_ERRORS = ACTION_ERRORS.replace("no such user, or one who blocks the caller", "no such user")
LIST_ERRORS = (
    "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (first out of 1-100, or "
    "after is not a cursor of this list; extensions.field names it)."
)


@strawberry.type
class SocialQuery:
    @strawberry.field(
        permission_classes=Auth,
        description='The directory: users whose userName, firstName, lastName or "firstName lastName" starts '
        "with query, ignoring case; an exact userName match comes first, then the rest by userName. Users who "
        "block the caller are never listed. Admins also find a user by exact email or phone number. "
        + SIGNED_IN
        + LIST_ERRORS.replace("(first", "(query empty or too long, first"),
    )
    async def users(
        self, info: Info[Context, Any], query: SearchText, first: First = FIRST_DEFAULT, after: After = None
    ) -> UserConnection:
        viewer = await info.context.require_user()
        position = decode_cursor(after, "users", str, text_max=USER_NAME_MAX)
        edges = Edges.of_kind("users", dated=False)
        found, has_next = await directory.search_made(
            viewer=viewer, query=query, first=check_first(first), after=position, columns=edges.columns, make=edges.made
        )
        await prefetch_relationships(info, [edge.node_id for edge in found])

        async def total() -> int:
            return await directory.count_search(viewer=viewer, query=query)

        return edge_connection(found, has_next=has_next, after=after, total=total)

    @strawberry.field(
        permission_classes=Auth,
        description="Pending follow requests to the caller (a private account), newest first; approve or reject "
        "each with approveFollowRequest or rejectFollowRequest. " + SIGNED_IN + LIST_ERRORS,
    )
    async def follow_requests(
        self, info: Info[Context, Any], first: First = FIRST_DEFAULT, after: After = None
    ) -> UserConnection:
        viewer = await info.context.require_user()
        position = decode_cursor(after, "requests", int)
        pages = await lists.follow_lists(
            "requests", viewer_id=viewer.id, owner_ids=[viewer.id], first=check_first(first), after=position
        )

        async def total() -> int:
            return (await lists.count_follow_lists("requests", viewer_id=viewer.id, owner_ids=[viewer.id]))[viewer.id]

        await prefetch_relationships(info, [entry.user.id for entry in pages[viewer.id].entries])
        return connection(pages[viewer.id], kind="requests", after=after, total=total)

    @strawberry.field(
        permission_classes=Auth,
        description="The users the caller blocks, newest block first. " + SIGNED_IN + LIST_ERRORS,
    )
    async def blocked_users(
        self, info: Info[Context, Any], first: First = FIRST_DEFAULT, after: After = None
    ) -> UserConnection:
        viewer = await info.context.require_user()
        position = decode_cursor(after, "blocked", int)
        page = await lists.blocked_page(viewer_id=viewer.id, first=check_first(first), after=position)
        await prefetch_relationships(info, [entry.user.id for entry in page.entries])

        async def total() -> int:
            return await lists.count_blocked(viewer_id=viewer.id)

        return connection(page, kind="blocked", after=after, total=total)


async def _actor(info: Info[Context, Any]) -> UserModel:
    """The caller, about to change who follows or blocks whom (what the request read before is dropped
    as every mutation starts: schema.fresh_reads)."""
    return await info.context.require_user()


@strawberry.type
class SocialMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Follow a user: a public account at once (FOLLOWING), a private one by request (REQUESTED) "
        "until it approves. Following again changes nothing. "
        + SIGNED_IN
        + ACTION_ERRORS
        + ", FORBIDDEN (the caller blocks the user: unblock first).",
    )
    async def follow(self, info: Info[Context, Any], user_name: Person) -> FollowPayload:
        result = await follows.follow(actor=await _actor(info), user_name=user_name)
        return FollowPayload(status=FollowStatus(result.status), user=User.from_model(result.user))

    @strawberry.mutation(
        permission_classes=Auth,
        description="Stop following a user, or withdraw a pending request; a no-op if neither. Returns the user. "
        + SIGNED_IN
        + ACTION_ERRORS
        + ".",
    )
    async def unfollow(self, info: Info[Context, Any], user_name: Person) -> User:
        return User.from_model(await follows.unfollow(actor=await _actor(info), user_name=user_name))

    @strawberry.mutation(
        permission_classes=Auth,
        description="Make a follower stop following the caller; a no-op if it does not follow. Returns the user. "
        + SIGNED_IN
        + ACTION_ERRORS
        + ".",
    )
    async def remove_follower(self, info: Info[Context, Any], user_name: Person) -> User:
        user = await follows.remove_follower(actor=await _actor(info), user_name=user_name)
        return User.from_model(user)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Approve a user's pending follow request to the caller: it becomes a follower. Approving an "
        "existing follower changes nothing. Returns the user. "
        + SIGNED_IN
        + ACTION_ERRORS.replace("caller)", "caller, or no pending request from this user)"),
    )
    async def approve_follow_request(self, info: Info[Context, Any], user_name: Person) -> User:
        user = await follows.approve_request(actor=await _actor(info), user_name=user_name)
        return User.from_model(user)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Reject a user's pending follow request to the caller; a no-op if there is none. Returns the "
        "user. " + SIGNED_IN + ACTION_ERRORS + ".",
    )
    async def reject_follow_request(self, info: Info[Context, Any], user_name: Person) -> User:
        user = await follows.reject_request(actor=await _actor(info), user_name=user_name)
        return User.from_model(user)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Block a user: follows both ways and pending requests between the two end (counts follow), "
        "the user can no longer follow the caller and no longer sees the caller anywhere. Blocking twice changes "
        "nothing. A user who blocks the caller can be blocked too, with the same answer: each block stands until "
        "its own unblock. Returns the user. " + SIGNED_IN + BLOCK_ERRORS + ".",
    )
    async def block(self, info: Info[Context, Any], user_name: Person) -> User:
        return User.from_model(await blocks.block(actor=await _actor(info), user_name=user_name))

    @strawberry.mutation(
        permission_classes=Auth,
        description="Lift the caller's block of a user; a no-op if there is none (a block by the user stays). "
        "Follows the block ended stay ended. Returns the user. " + SIGNED_IN + BLOCK_ERRORS + ".",
    )
    async def unblock(self, info: Info[Context, Any], user_name: Person) -> User:
        return User.from_model(await blocks.unblock(actor=await _actor(info), user_name=user_name))
