"""The framework floor: a bare Strawberry app on Starlette answering ``{ hello }``, no extensions.

Served exactly as ``python main.py`` serves the real app (one uvicorn worker, same options), so the
benchmark can divide every figure by it: on a shared machine the ratio is steadier than requests/s.
``--cached`` serves the second floor: the same app with Strawberry's ParserCache and ValidationCache, the
honest ceiling for any Strawberry server (most of the first floor's time is validating ``{ hello }``).

The second floor also answers the bench's followers-page and directory documents from memory (``user``
and ``users``: the same fields, a page of fixed users, no database, no token): what Strawberry and
graphql-core alone cost for a page of that shape, the bound under any server's figure for it.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

PAGE = 20
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


@strawberry.type
class Relationship:
    following: bool
    followed_by: bool


@strawberry.type
class Person:
    user_name: str
    first_name: str

    @strawberry.field
    def viewer_relationship(self) -> Relationship:
        return Relationship(following=False, followed_by=True)


@strawberry.type
class Edge:
    node: Person
    followed_at: datetime | None


@strawberry.type
class Connection:
    edges: list[Edge]


@strawberry.type
class Star:
    @strawberry.field
    def followers(self, first: int = 20) -> Connection:
        return Connection(edges=[Edge(node=person, followed_at=SINCE) for person in PEOPLE[:first]])


PEOPLE = [Person(user_name=f"user{n}", first_name=f"First{n}") for n in range(100)]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


@strawberry.type
class ShapedQuery(Query):
    @strawberry.field
    def user(self, user_name: str) -> Star:
        return Star()

    @strawberry.field
    def users(self, query: str, first: int = 20) -> Connection:
        return Connection(edges=[Edge(node=person, followed_at=None) for person in PEOPLE[:10]])


CACHED = "--cached" in sys.argv[1:]
schema = (
    strawberry.Schema(query=ShapedQuery, extensions=[ParserCache, ValidationCache])
    if CACHED
    else strawberry.Schema(query=Query)
)
app = Starlette(routes=[Route("/graphql", GraphQL(schema))])

if __name__ == "__main__":
    # As cli/serve.py runs uvicorn: one worker, info level, uvicorn's own access log off (the app logs
    # its requests itself; that cost is the app's, so the floor has none), its proxy-header handling off.
    uvicorn.run(
        app,
        host=os.environ["HOST"],
        port=int(os.environ["PORT"]),
        log_level="info",
        access_log=False,
        proxy_headers=False,
    )
