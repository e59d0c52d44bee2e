"""What the edge learns about one HTTP request, in one typed object: written by the edge as the request
goes (the caller, the GraphQL operation, its outcome), read by the access log and the request metrics
(web/access_log.py) once the response is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import Scope

if TYPE_CHECKING:
    from starlette.responses import Response

    from schema.caller import Caller  # web.authentication.Caller is one

KEY = "request_state"  # its one key in the ASGI scope's "state"


@dataclass(slots=True)
class RequestState:
    caller: Caller | None = None  # set by web.authentication.Authentication for every HTTP request
    user_id: int | None = None  # the user the request acts for (the token's, or one login/register signed in)
    operation_name: str | None = None  # the GraphQL operation's name, when it is a safe GraphQL Name
    outcome: str | None = None  # /graphql: "ok", or the first error's code
    throttled: int = 0  # /graphql: how many fields were refused with TOO_MANY_REQUESTS
    graphql_response: Response | None = None  # /graphql: the response whose media type and status the view sets


def request_state(scope: Scope) -> RequestState:
    """The request's state, made on first use."""
    state = scope.setdefault("state", {})
    found: RequestState | None = state.get(KEY)
    if found is None:
        found = state[KEY] = RequestState()
    return found
