"""A person's own security view: their sessions (and ending one), their security history."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.pagination import FIRST_DEFAULT, After, First, PageInfo, check_first, decode_cursor, encode_cursor
from schema.security import SecurityEvent, SecurityEventConnection, SecurityEventEdge, Session
from services import security_events
from services.identity import sessions, sign_in

EVENTS = "securityEvents"  # the cursor kind of this list

SessionId = Annotated[strawberry.ID, strawberry.argument(description="The id of one of the caller's sessions.")]


@strawberry.type
class SecurityQuery:
    @strawberry.field(
        permission_classes=Auth,
        description="The caller's live sessions (neither revoked nor past their end), newest first. Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def sessions(self, info: Info[Context, Any]) -> list[Session]:
        user = await info.context.require_user()
        current = await info.context.caller.session_id()
        return [Session.from_model(session, current_id=current) for session in await sessions.live(user_id=user.id)]

    @strawberry.field(
        permission_classes=Auth,
        description="The caller's own security events (sign-ins, failed sign-ins, logouts, password and email "
        "changes, revoked sessions, deactivation and restore), newest first; kept SECURITY_EVENT_DAYS (90 days "
        "by default). Needs a token. Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), "
        "BAD_USER_INPUT (first out of range, or after not a cursor of this list; extensions.field names it).",
    )
    async def security_events(
        self, info: Info[Context, Any], first: First = FIRST_DEFAULT, after: After = None
    ) -> SecurityEventConnection:
        user = await info.context.require_user()
        position = decode_cursor(after, EVENTS, int)
        found = await security_events.page(user_id=user.id, first=check_first(first), after=position)
        edges = [
            SecurityEventEdge(cursor=encode_cursor(EVENTS, event.id), node=SecurityEvent.from_model(event))
            for event in found.events
        ]
        cursors = [edge.cursor for edge in edges]
        page_info = PageInfo.of(cursors, has_next=found.has_next, after=after)
        return SecurityEventConnection(edges=edges, page_info=page_info)


@strawberry.type
class SecurityMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="End one of the caller's own sessions: its refresh token and its access tokens stop working at "
        "once, on every instance (the caller's own session too, if it is the one named). Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (not a session id, "
        "which is 32 hexadecimal digits; extensions.field is id), NOT_FOUND (no live session of the caller has "
        "this id; extensions.field is id).",
    )
    async def revoke_session(self, info: Info[Context, Any], id: SessionId) -> bool:
        context = info.context
        await sign_in.revoke_session(
            user=await context.require_user(),
            session_id=str(id),
            client=context.client,
        )
        return True
