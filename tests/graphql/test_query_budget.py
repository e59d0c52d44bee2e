"""The query budget and the response ceiling, over HTTP (README: Security, "Query budget").

The costs below are worked out from README's rule (1 a field; a list with first costs 1 + page size x
its selection; first left out is 20, a variable is 100; fragments count where spread, aliases each time),
never by calling schema/cost.py.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from main import create_app
from schema.trusted import ManifestError
from settings import Settings
from tests.graphql.test_persisted_queries import persisted, post, write_manifest
from tests.support import ME, Account, Api, replace
from tests.support.social import FOLLOW

DB_CLIENT = "tortoise.db_client"
README_EXAMPLE = "{ me { followers(first: 10) { totalCount edges { node { userName } } } } }"  # costs 42


def attack(aliases: int, levels: int, first: int = 100) -> str:
    """The issue's document: aliases of user(userName: "u0") with followers(first: 100) nested ``levels`` deep."""
    inner = "userName"
    for _ in range(levels):
        inner = f"followers(first: {first}) {{ edges {{ node {{ {inner} }} }} }}"
    return "{ " + " ".join(f'a{i}: user(userName: "u0") {{ {inner} }}' for i in range(aliases)) + " }"


@asynccontextmanager
async def api_with(settings: Settings, backend: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            yield Api(client, backend=backend)
    finally:  # ASGITransport runs no lifespan: close what it would
        await app.state.persisted.close()
        await app.state.throttle.counters.close()


async def circle(api: Api, size: int = 4) -> list[Account]:
    """``size`` public users u0, u1, ... each following every other."""
    people = [await api.register(f"u{i}", email=f"u{i}@example.com") for i in range(size)]
    for person in people:
        for other in people:
            if other is not person:
                result = await api.execute(FOLLOW, {"userName": other.name}, token=person.token)
                assert not result.errors, result.body
    return people


@contextmanager
def statements(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """The SQL statements Tortoise runs inside the block (it logs each on tortoise.db_client at DEBUG)."""
    caplog.set_level(logging.DEBUG, logger=DB_CLIENT)
    caplog.clear()
    found: list[str] = []
    yield found
    found.extend(r.getMessage() for r in caplog.records if r.name == DB_CLIENT and r.funcName.startswith("execute_"))


def refused_for_cost(body: dict[str, object], **numbers: int) -> None:
    assert body["data"] is None, body
    (error,) = body["errors"]  # type: ignore[misc]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED", "reason": "QUERY_TOO_COMPLEX", **numbers}, body
    assert "path" not in error


async def test_the_issues_document_is_refused_before_anything_runs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    people = await circle(api)
    document = attack(20, 3)
    assert len(document) < 4000  # within the token, alias, depth and selection limits

    with statements(caplog) as run:
        result = await api.execute(document, token=people[1].token)

    refused_for_cost(result.body, nesting=3, maxNesting=2)
    assert run == []  # no resolver ran: not one SQL statement
    me = await api.me(people[1].token)
    assert me.data["me"]["userName"] == "u1"


async def test_two_nested_lists_are_answered_and_three_are_refused_even_with_small_pages(api: Api) -> None:
    people = await circle(api, 3)

    two = await api.execute(attack(1, 2, first=2), token=people[0].token)
    three = await api.execute(attack(1, 3, first=1), token=people[0].token)

    assert not two.errors, two.body
    nodes = [edge["node"] for edge in two.data["a0"]["followers"]["edges"]]
    assert len(nodes) == 2 and all(len(node["followers"]["edges"]) == 2 for node in nodes)
    refused_for_cost(three.body, nesting=3, maxNesting=2)


def at_the_default_budget(extra: int) -> str:
    # users: 1 + 100 x (edges 1 + node (1 + 97 userName)) = 9,901; plus 99 + extra top-level __typename
    node = " ".join(["userName"] * 97)
    top = " ".join(["__typename"] * (99 + extra))
    return f'{{ users(query: "u", first: 100) {{ edges {{ node {{ {node} }} }} }} {top} }}'


async def test_the_default_budget_answers_a_document_costing_10000_and_refuses_10001(api: Api) -> None:
    people = await circle(api, 2)

    at = await api.execute(at_the_default_budget(0), token=people[0].token)
    over = await api.execute(at_the_default_budget(1), token=people[0].token)

    assert not at.errors, at.body
    assert {edge["node"]["userName"] for edge in at.data["users"]["edges"]} == {"u0", "u1"}
    refused_for_cost(over.body, cost=10_001, budget=10_000)


async def test_a_lowered_budget_holds_to_the_unit(db: str, settings: Settings) -> None:
    async with api_with(replace(settings, max_query_cost=42), db) as api:
        account = await api.register()
        at = await api.execute(README_EXAMPLE, token=account.token)
        over = await api.execute(README_EXAMPLE.replace("{ me {", "{ me { userName"), token=account.token)

    assert at.data == {"me": {"followers": {"totalCount": 0, "edges": []}}}, at.body
    refused_for_cost(over.body, cost=43, budget=42)


async def test_a_variable_first_is_charged_the_largest_page(db: str, settings: Settings) -> None:
    by_variable = "query($n: Int!) { me { followers(first: $n) { totalCount } } }"  # 1 + 1 + 100 x 1 = 102
    by_literal = "{ me { followers(first: 1) { totalCount } } }"  # 1 + 1 + 1 x 1 = 3
    async with api_with(replace(settings, max_query_cost=101), db) as api:
        account = await api.register()
        variable = await api.execute(by_variable, {"n": 1}, token=account.token)
        literal = await api.execute(by_literal, token=account.token)
    async with api_with(replace(settings, max_query_cost=102), db) as api:
        enough = await api.execute(by_variable, {"n": 1}, token=account.token)

    refused_for_cost(variable.body, cost=102, budget=101)
    assert literal.data == {"me": {"followers": {"totalCount": 0}}}
    assert enough.data == {"me": {"followers": {"totalCount": 0}}}


async def test_fragments_count_where_they_are_spread(db: str, settings: Settings) -> None:
    fragment = "fragment F on User { followers(first: 10) { totalCount edges { node { userName } } } }"
    async with api_with(replace(settings, max_query_cost=42), db) as api:
        account = await api.register()
        once = await api.execute("{ me { ...F } } " + fragment, token=account.token)  # 42
        twice = await api.execute("{ a: me { ...F } b: me { ...F } } " + fragment, token=account.token)  # 84
        inline = await api.execute("{ me { ... on User { ...F userName } } } " + fragment, token=account.token)  # 43

    assert not once.errors, once.body
    refused_for_cost(twice.body, cost=84, budget=42)
    refused_for_cost(inline.body, cost=43, budget=42)


async def test_an_automatic_persisted_query_over_the_budget_is_refused_and_not_stored(api: Api) -> None:
    account = await api.register()
    document = attack(2, 2)  # 2 x (1 + 30,301): nesting 2, over 10,000
    sha = hashlib.sha256(document.encode()).hexdigest()

    registered = await post(api, {"query": document, "extensions": persisted(sha)}, account.token)
    by_hash = await post(api, {"extensions": persisted(sha)}, account.token)

    refused_for_cost(registered.body, cost=2 * 30_302, budget=10_000)
    assert by_hash.code == "PERSISTED_QUERY_NOT_FOUND"


def test_a_trusted_document_over_the_budget_stops_the_server(settings: Settings, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.json", ME, README_EXAMPLE)

    with pytest.raises(ManifestError, match="costs 42, over the budget of 41"):
        create_app(replace(settings, persisted_queries_file=manifest, max_query_cost=41))
    create_app(replace(settings, persisted_queries_file=manifest, max_query_cost=42))  # at the budget: starts


async def test_a_trusted_document_within_the_budget_is_answered_by_hash(
    db: str, settings: Settings, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path / "manifest.json", README_EXAMPLE)
    sha = hashlib.sha256(README_EXAMPLE.encode()).hexdigest()
    async with api_with(replace(settings, persisted_queries_file=manifest, max_query_cost=42), db) as api:
        account = await api.register()
        result = await post(api, {"extensions": persisted(sha)}, account.token)

    assert result.body == {"data": {"me": {"followers": {"totalCount": 0, "edges": []}}}}


# The response ceiling


async def test_a_response_over_the_ceiling_is_replaced_by_an_error(db: str, settings: Settings) -> None:
    async with api_with(settings, db) as api:
        account = await api.register(firstName="Bartholomew")
        full = await api.client.post(
            "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {account.token}"}
        )
    size = len(full.content)
    assert full.json()["data"]["me"]["firstName"] == "Bartholomew"

    async with api_with(replace(settings, max_response_bytes=size), db) as api:
        at = await api.me(account.token)
    async with api_with(replace(settings, max_response_bytes=size - 1), db) as api:
        over = await api.client.post(
            "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {account.token}"}
        )

    assert at.data == full.json()["data"]
    assert over.status_code == 200
    assert over.json() == {
        "data": None,
        "errors": [
            {
                "message": f"The response is {size} bytes, over the limit of {size - 1}, and was not sent: "
                "ask for fewer fields or smaller pages (first).",
                "extensions": {"code": "RESPONSE_TOO_LARGE", "bytes": size, "maxBytes": size - 1},
            }
        ],
    }
    assert "Bartholomew" not in over.text
    assert over.headers["cache-control"] == "no-store"
