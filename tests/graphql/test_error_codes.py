"""A mistake in the document and a mistake in a value get different codes (issue 22.6), as Apollo Server's do.

GRAPHQL_PARSE_FAILED: the text is not GraphQL (or is over the token limit). GRAPHQL_VALIDATION_FAILED: the
schema or one of its limits refuses the document (an unknown field, argument or type, a literal of the wrong
type, a variable used where its type does not fit, depth, aliases, selections, the query budget, introspection
when it is off). BAD_USER_INPUT: a variable's value does not fit its type, or a service refuses a value. Each
keeps the no-echo rule (schema/echoes.py), and with introspection off the schema's names stay hidden.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from main import create_app
from settings import Settings
from tests.support import REGISTER, Api, replace

PARSE = "GRAPHQL_PARSE_FAILED"
VALIDATION = "GRAPHQL_VALIDATION_FAILED"
VALUE = "BAD_USER_INPUT"
SECRET = "hunter2-Correct-Horse"
USER = "query U($n: String!) { user(userName: $n) { userName } }"


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def codes(body: dict[str, Any]) -> set[str]:
    return {error["extensions"]["code"] for error in body["errors"]}


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        pytest.param("query { me { ", None, PARSE, id="unclosed"),
        pytest.param(f'mutation {{ login(userName: "a" password: "{SECRET}" }}', None, PARSE, id="missing-paren"),
        pytest.param("{ " + "__typename " * 2_001 + "}", None, PARSE, id="over-the-token-limit"),
        pytest.param("{ me { passwordHash } }", None, VALIDATION, id="unknown-field"),
        pytest.param('{ user(name: "ann") { userName } }', None, VALIDATION, id="unknown-argument"),
        pytest.param("{ user { userName } }", None, VALIDATION, id="missing-argument"),
        pytest.param("{ user(userName: 5) { userName } }", None, VALIDATION, id="literal-of-the-wrong-type"),
        pytest.param(
            f'mutation {{ register(input: {{userName: "ann", password: "{SECRET}", emial: "x"}}) {{ tokenType }} }}',
            None,
            VALIDATION,
            id="literal-unknown-input-field",
        ),
        pytest.param(
            "query U($n: String) { user(userName: $n) { userName } }", {"n": "ann"}, VALIDATION, id="variable-position"
        ),
        pytest.param("query U($n: Strin!) { user(userName: $n) { userName } }", None, VALIDATION, id="unknown-type"),
        pytest.param("{ me { ...F } }", None, VALIDATION, id="unknown-fragment"),
        pytest.param(USER, {"n": 5}, VALUE, id="variable-of-the-wrong-type"),
        pytest.param(USER, {}, VALUE, id="variable-missing"),
        pytest.param(USER, {"n": None}, VALUE, id="variable-null"),
        pytest.param(REGISTER, {"input": {"userName": "ann", "password": 5}}, VALUE, id="variable-input-field-type"),
        pytest.param(REGISTER, {"input": {"userName": "ann", "emial": SECRET}}, VALUE, id="variable-input-fields"),
    ],
)
async def test_parse_validation_and_variable_errors_have_their_own_codes(
    api: Api, document: str, variables: dict[str, Any] | None, code: str
) -> None:
    result = await api.execute(document, variables)

    assert result.status == 200 and result.data is None, result.body
    assert codes(result.body) == {code}, result.body
    assert SECRET not in str(result.body)


async def test_a_value_a_service_refuses_stays_bad_user_input(api: Api) -> None:
    result = await api.execute(REGISTER, {"input": {"userName": "ann", "password": "x"}})

    assert (result.code, result.field) == (VALUE, "password")


async def test_a_literal_and_a_variable_of_the_same_wrong_value_name_the_same_field(api: Api) -> None:
    literal = await api.execute('mutation { register(input: {userName: "ann", password: 5}) { tokenType } }')
    variable = await api.execute(REGISTER, {"input": {"userName": "ann", "password": 5}})

    assert (literal.code, literal.field) == (VALIDATION, "password")
    assert (variable.code, variable.field) == (VALUE, "password")


async def test_limits_on_the_document_are_validation_failures(db: str, settings: Settings) -> None:
    limited = replace(settings, max_query_depth=1, max_aliases=1, max_selections=4, max_query_cost=2)
    async with client_for(limited) as client:
        bodies = {
            name: (await client.post("/graphql", json={"query": query})).json()
            for name, query in {
                "depth": "{ me { profile { verified } } }",
                "depth-in-a-fragment": "{ ...F } fragment F on Query { me { profile { verified } } }",
                "aliases": "{ a: __typename b: __typename }",
                "selections": "{ __typename __typename __typename __typename __typename }",
                "cost": "{ me { userName bio } }",
            }.items()
        }

    assert {name: codes(body) for name, body in bodies.items()} == {name: {VALIDATION} for name in bodies}, bodies
    assert "exceeds maximum operation depth of 1" in bodies["depth-in-a-fragment"]["errors"][0]["message"]
    assert bodies["cost"]["errors"][0]["extensions"] == {
        "code": VALIDATION,
        "reason": "QUERY_TOO_COMPLEX",
        "cost": 3,
        "budget": 2,
    }


async def test_without_introspection_the_codes_are_the_same_and_the_schema_stays_hidden(
    db: str, settings: Settings
) -> None:
    async with client_for(replace(settings, app_env="production")) as client:

        async def post(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
            body: dict[str, Any] = response.json()
            return body

        introspection = await post("{ __schema { types { name } } }")
        misspelt = await post("{ mee { userName } }")
        syntax = await post("{ mee { ")
        variable = await post(REGISTER, {"input": {"userName": "ann"}})

    assert codes(introspection) == {VALIDATION}
    assert codes(misspelt) == {VALIDATION}
    assert misspelt["errors"][0]["message"] == "Cannot query field 'mee' on type '…'."
    assert codes(syntax) == {PARSE}
    assert codes(variable) == {VALUE}
    assert variable["errors"][0]["message"] == (
        "Variable '$input' has invalid value: Expected value of type 'RegisterInput' to include required field '…'."
    )
