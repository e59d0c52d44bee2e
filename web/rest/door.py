"""The REST door's Starlette routes, ``/openapi.json``, and JSON answers for unknown paths and wrong methods."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from schema.core import core_schema
from schema.response_size import EncodedResponse
from web import metrics
from web.graphql_view import GraphQLApp, graphql_too_large
from web.request_state import request_state
from web.rest import documents, openapi
from web.rest.answers import STATUS, answer, encode, error, failure, from_graphql
from web.rest.bodies import read_body
from web.rest.endpoints import Endpoint, endpoints, variables_for

OPENAPI_PATH = "/openapi.json"
GRAPHQL_PATH = "/graphql"
ROUTES = frozenset({"/register", "/login", "/user/profile", "/api/register", "/api/me"})
USERS = "/api/users/"
NOT_FOUND_USER = "No such user, or one hidden from you."


def is_rest_path(path: str) -> bool:
    """A path of the door's routes (the access log counts their requests in the GraphQL metrics)."""
    return path in ROUTES or path.startswith(USERS)


def too_large(path: str, max_bytes: int) -> bytes:
    """The 413's body (web.graphql_view.BodySizeLimit): the door's shape on its routes, GraphQL's elsewhere."""
    if not is_rest_path(path):
        return graphql_too_large(path, max_bytes)
    item = error("PAYLOAD_TOO_LARGE", f"The request body is larger than {max_bytes} bytes.")
    return encode({"error": item, "errors": [item]})


def own_documents() -> dict[str, str]:
    """The door's documents by operation name: the schema parses and validates them once, at start-up."""
    return {documents.name_of(document): document for document in documents.ALL}


class RestDoor:
    def __init__(self, graphql: GraphQLApp) -> None:
        self.graphql = graphql
        schema = core_schema(graphql.schema)
        self.endpoints = endpoints(schema)
        metrics.reserve_operations(endpoint.operation_name for endpoint in self.endpoints)
        self.openapi = encode(openapi.document(self.endpoints, schema))

    def routes(self) -> list[BaseRoute]:
        by_path: dict[str, dict[str, Endpoint]] = {}
        for endpoint in self.endpoints:
            by_path.setdefault(endpoint.path, {})[endpoint.method] = endpoint
        routes: list[BaseRoute] = [
            Route(path, self._handler(methods), methods=list(methods)) for path, methods in by_path.items()
        ]
        routes.append(Route(OPENAPI_PATH, self.openapi_json, methods=["GET"]))
        return routes

    async def openapi_json(self, request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")

    def _handler(self, methods: dict[str, Endpoint]) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await self.run(request, methods[method])

        return handle

    async def run(self, request: Request, endpoint: Endpoint) -> Response:
        state = request_state(request.scope)
        state.operation_name = endpoint.operation_name  # also for a request refused before the operation runs
        body = await read_body(request, endpoint)
        if isinstance(body, Response):
            return body
        variables = variables_for(endpoint, body, request.path_params)
        cookies = Response()  # what the operation sets besides its answer: cookie mode's refresh cookie
        graphql = await self.graphql.execute_stored(
            request, endpoint.document, variables, endpoint.operation_type, cookies
        )
        return with_cookies(self.answer_for(request, endpoint, graphql), cookies)

    def answer_for(self, request: Request, endpoint: Endpoint, graphql: EncodedResponse) -> Response:
        if graphql.get("errors"):
            items = from_graphql(graphql["errors"], endpoint.graphql_names())
            headers = {}
            if STATUS.get(items[0]["code"]) == 401:
                sent = "authorization" in request.headers
                headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if sent else "Bearer"
            return failure(items, headers=headers)
        result = (graphql.get("data") or {}).get(endpoint.result)
        if result is None and endpoint.null_is_not_found:
            return failure([error("NOT_FOUND", NOT_FOUND_USER, "userName")])
        return answer(result, 201 if endpoint.created else 200)


def with_cookies(response: Response, cookies: Response) -> Response:
    """``response`` with the cookies the operation set on ``cookies``."""
    response.raw_headers.extend(header for header in cookies.raw_headers if header[0] == b"set-cookie")
    return response


def _routes_hint() -> str:
    return (
        f"The API is GraphQL at {GRAPHQL_PATH} (POST a query; a browser gets GraphiQL there); the REST routes "
        f"are described in {OPENAPI_PATH}."
    )


async def not_found(request: Request, exc: Exception) -> Response:
    """Any unknown path: JSON that says where the API is, not Starlette's plain "Not Found"."""
    return failure([error("NOT_FOUND", f"Nothing is at {request.url.path[:200]}. {_routes_hint()}")])


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    allow = (exc.headers or {}).get("Allow", "") if isinstance(exc, HTTPException) else ""
    message = f"{request.method[:20]} is not allowed on {request.url.path[:200]}; allowed: {allow}. {_routes_hint()}"
    return failure([error("METHOD_NOT_ALLOWED", message)], headers={"Allow": allow})
