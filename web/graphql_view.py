"""The HTTP side of GraphQL: media types and status codes (GraphQL over HTTP), caching, body size."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter
from cross_web import HTTPException as RequestError  # strawberry's view answers it with its status
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.core import core_schema
from schema.errors import SchemaNames, client_errors, names_sent
from schema.response_size import CODE as RESPONSE_TOO_LARGE
from schema.response_size import EncodedResponse, within_limit
from services.throttle import Throttle
from settings import Settings
from web import graphiql, session_cookies, uploads
from web.access_log import note_operation_name
from web.persisted import PersistedQueries, PersistedQueryError
from web.request_state import RequestState, request_state

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_ACCEPTED = {GRAPHQL_RESPONSE: GRAPHQL_RESPONSE, JSON: JSON, "application/*": JSON, "*/*": JSON}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header: the client's preferred one we speak, or None."""
    if not accept or not accept.strip():
        return JSON  # clients that say nothing get the legacy type
    best, best_q = None, 0.0
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        candidate = _ACCEPTED.get(media.lower())
        if candidate is not None and q > best_q:
            best, best_q = candidate, q
    return best


def _is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation or variable errors: the operation never ran (no error has a path)."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


def _strings(value: object) -> Iterator[str]:
    """Every string in a JSON value, object keys included (without recursion: variables nest deep)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _json_or_text(data: str | bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return data if isinstance(data, str) else data.decode("utf-8", "replace")


async def _sent(request: Request) -> Iterator[str]:
    """The strings of the client's GraphQL request: query, operation name, variables' names and values."""
    if request.method == "GET":
        params = dict(request.query_params)
        return _strings({**params, "variables": _json_or_text(params.get("variables", ""))})
    if uploads.is_multipart(request.headers.get("content-type")):  # the body was streamed into the form
        operations = (await request.form()).get("operations")
        return _strings(_json_or_text(operations if isinstance(operations, str) else ""))
    return _strings(_json_or_text(await request.body()))  # Starlette keeps the body once read


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, schema: Schema, settings: Settings, throttle: Throttle, persisted: PersistedQueries) -> None:
        # Multipart (file uploads) on, behind the CSRF guard in __call__ (web/uploads.py).
        super().__init__(
            schema, graphql_ide=None if settings.is_production else "graphiql", multipart_uploads_enabled=True
        )
        self.settings = settings
        self.throttle = throttle
        self.persisted = persisted
        # Introspection off: error messages must not reveal the schema's names either.
        self.schema_names = None if settings.introspection_enabled else SchemaNames(core_schema(schema))

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET of a persisted query by hash has no `query` parameter but is no request for GraphiQL. The
        # query string is parsed only for a GET (Strawberry's check looks at the method first).
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            resolved = await self.persisted.resolve(request_data.query, request_data.extensions)
        except PersistedQueryError as exc:
            return ExecutionResult(data=None, errors=[exc.error])
        request_data.query = resolved.query
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        finally:
            note_operation_name(request_state(request.scope), context.operation_name)
        if resolved.register is not None and resolved.query is not None and not _is_request_error(result):
            await self.persisted.keep(resolved.register, resolved.query, address=context.address)  # valid only
        return result

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A multipart request (a file upload) needs a preflight header, as Apollo Server asks (web/uploads.py):
        # refused before its body is read.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        refusal = uploads.csrf_refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except RequestError as exc:  # as Strawberry's own __call__ answers it
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        finally:
            await request.close()  # an upload's temporary files, whether or not a resolver read them
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """Request JSON, or a 400: never a 500 for a body that is not a GraphQL request."""
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
            raise RequestError(400, "Unable to parse request body as JSON") from exc
        if not isinstance(value, (dict, list)):
            raise RequestError(400, "The request body must be a JSON object.")
        return value

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        if not (isinstance(request, Request) and isinstance(response, Response)):
            raise TypeError("GraphQL over WebSocket is not served.")
        accept = request.headers.get("accept")
        media_type = negotiate(accept)
        if media_type is None and not (request.method == "GET" and "text/html" in (accept or "")):
            raise HTTPException(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}.")
        response.media_type = media_type or JSON
        request_state(request.scope).graphql_response = response
        return self.context_for(request, response)

    def context_for(self, request: Request, response: Response) -> Context:
        """The context an operation of this request runs with: the settings, the throttle, the caller, and (cookie
        mode) what puts a refresh token in the cookie of ``response``."""
        state = request_state(request.scope)
        if state.caller is None:
            raise TypeError("GraphQLApp needs web.authentication.Authentication in front of it.")
        return Context(
            request=request,
            settings=self.settings,
            throttle=self.throttle,
            caller=state.caller,
            refresh_cookie=session_cookies.keeper(response, self.settings),
        )

    async def execute_stored(
        self,
        request: Request,
        document: str,
        variables: dict[str, Any],
        operation: OperationType,
        response: Response,
    ) -> EncodedResponse:
        """Run one of the server's own documents (the REST door's, web/rest) as a /graphql request runs: the
        same schema, resolvers and services, context and caller, throttles, error codes, access-log name, metrics
        outcome and response ceiling (the limits on clients' documents aside: schema/build.py checked these at
        start-up). The answer is the GraphQL response body (``data``, ``errors``), not yet sent; ``response`` gets
        what the operation sets besides (cookie mode's refresh cookie), for the caller to carry over."""
        context = self.context_for(request, response)
        try:
            result = await self.schema.execute(
                document, variable_values=variables, context_value=context, allowed_operation_types={operation}
            )
        finally:
            note_operation_name(request_state(request.scope), context.operation_name)

        async def sent() -> Iterator[str]:  # the client sent the variables; the document is the server's
            return _strings({"query": document, "variables": variables})

        body = await self._answer(request, result, sent)
        if result.errors:
            self._handle_errors(result.errors, cast(GraphQLHTTPResponse, body))
        return body

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Every response passes here, parse errors included.
        return cast(GraphQLHTTPResponse, await self._answer(request, result, partial(_sent, request)))

    async def _answer(
        self, request: Request, result: ExecutionResult, sent: Callable[[], Awaitable[Iterator[str]]]
    ) -> EncodedResponse:
        """The one place errors get their code, the outcome is noted and the response ceiling applies: for
        /graphql's requests and the REST door's alike. ``sent``: the strings the client sent."""
        if result.errors:
            hide = None
            if self.schema_names is not None:
                hide = partial(self.schema_names.hide, sent=names_sent(await sent()))
            result.errors = client_errors(result.errors, hide=hide)
        state = request_state(request.scope)
        _note_outcome(state, result)
        body = await super().process_result(request, result)
        response = state.graphql_response  # /graphql's, set by get_context, which ran first; None for REST
        if response is not None and response.media_type == GRAPHQL_RESPONSE and _is_request_error(result):
            # GraphQL over HTTP: a request error has no "data" entry and a 4xx status.
            response.status_code = 400
            body.pop("data", None)
        encoded = within_limit(dict(body), self.encode_json, self.settings.max_response_bytes)
        if encoded.refused:
            state.outcome = RESPONSE_TOO_LARGE
        return encoded  # a GraphQLHTTPResponse, with its encoding

    async def render_graphql_ide(self, request: Request) -> Response:
        # Only called where GraphiQL is on (not in production): its files come from this server if fetched.
        return HTMLResponse(graphiql.offline_page(graphiql.for_this_service(self.graphql_ide_html)))

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json for a response; only responses (it refuses lone surrogates
        # that json.loads accepts in requests, and error messages may echo them: those take json's path).
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data).encode()

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = Response(
            response_data.encoded if isinstance(response_data, EncodedResponse) else self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            # Responses carry tokens and personal data: no cache may keep them.
            headers={"Cache-Control": "no-store"},
            media_type=sub_response.media_type or JSON,
        )
        # The raw header lists: a MutableHeaders is built, then searched, on every use.
        response.raw_headers.extend(header for header in sub_response.raw_headers if header[0] != b"cache-control")
        return response


def _note_outcome(state: RequestState, result: ExecutionResult) -> None:
    """For the request metrics (web.metrics): ok, or the first error's code; and how many fields were throttled."""
    if not result.errors:
        state.outcome = "ok"
        return
    codes = [(error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR") for error in result.errors]
    state.outcome = str(codes[0])
    state.throttled = codes.count("TOO_MANY_REQUESTS")


class _BodyTooLarge(Exception):
    pass


def graphql_too_large(path: str, max_bytes: int) -> bytes:
    """The 413's body as a GraphQL client reads it."""
    error = {"message": f"The request body is larger than {max_bytes} bytes.", "extensions": {"code": "BAD_USER_INPUT"}}
    return json.dumps({"errors": [error]}).encode()


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether or not Content-Length is sent; ``refusal``
    writes the answer's JSON body for a path (the REST door's routes answer in their own shape)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        refusal: Callable[[str, int], bytes] = graphql_too_large,
        allowance: Callable[[Scope], int | None] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refusal = refusal
        self.allowance = allowance  # a larger cap for some requests (uploads: web/uploads.py), else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = (self.allowance(scope) if self.allowance else None) or self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > max_bytes:
            await self._refuse(scope, send, max_bytes)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(scope, send, max_bytes)

    async def _refuse(self, scope: Scope, send: Send, max_bytes: int) -> None:
        body = self.refusal(scope["path"], max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
