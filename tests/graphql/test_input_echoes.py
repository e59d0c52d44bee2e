"""No error message repeats an input value (issue 20.13), in production and in development.

graphql-core answered ``register(input: {userName: "a", password: "b", emial: "x"})`` with ``... Found:
{ userName: "a", password: "b", emial: "x" }``, and the same through variables: the password went back
into the response. The oracle: no string of the response (messages, extensions) holds a value sent;
the message still says which field is unknown, missing or of the wrong type, and the field is in
``extensions.field`` where one input field is at fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from main import create_app
from settings import Settings
from tests.support import replace

SECRET = "hunter2-correct-horse"
REGISTER_LITERAL = "mutation {{ register(input: {input}) {{ accessToken }} }}"
REGISTER_VARIABLE = "mutation Register($i: RegisterInput!) { register(input: $i) { accessToken } }"
ENVIRONMENTS = ["development", "production"]


@pytest.fixture(params=ENVIRONMENTS)
async def client(request: pytest.FixtureRequest, db: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(replace(settings, app_env=request.param, rate_limit_enabled=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def send(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] is None, body
    return body


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_no_echo(body: dict[str, Any], *values: str) -> None:
    for value in values:
        echoed = [text for text in strings(body["errors"]) if value in text]
        assert not echoed, f"{value!r} echoed in {echoed}"


# A value written in the document fails its validation; a variable's value fails when the operation starts.
LITERAL = "GRAPHQL_VALIDATION_FAILED"
VARIABLE = "BAD_USER_INPUT"


def single(body: dict[str, Any], code: str = VARIABLE) -> dict[str, Any]:
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, body
    return dict(error)


# The cases, literal and through variables


async def test_an_unknown_field_names_the_field_not_the_values(client: httpx.AsyncClient) -> None:
    literal = await send(
        client, REGISTER_LITERAL.format(input=f'{{userName: "ann_lee", password: "{SECRET}", emial: "x@y.z"}}')
    )
    variable = await send(
        client, REGISTER_VARIABLE, {"i": {"userName": "ann_lee", "password": SECRET, "emial": "x@y.z"}}
    )

    for body, code in ((literal, LITERAL), (variable, VARIABLE)):
        assert_no_echo(body, SECRET, "ann_lee", "x@y.z")
        error = single(body, code)
        assert "unknown field 'emial'" in error["message"]
        assert error["extensions"]["field"] == "emial"
        assert "found" not in error["message"].lower()
    assert single(variable)["message"].startswith("Variable '$i' has invalid value")


async def test_development_keeps_the_did_you_mean_hint(db: str, settings: Settings) -> None:
    app = create_app(replace(settings, app_env="development"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        body = await send(client, REGISTER_VARIABLE, {"i": {"userName": "a", "password": SECRET, "emial": "x"}})

    assert single(body)["message"] == (
        "Variable '$i' has invalid value: Expected value of type 'RegisterInput' not to include unknown field "
        "'emial'. Did you mean 'email'?"
    )


async def test_a_missing_field_is_named_without_the_values_given(client: httpx.AsyncClient) -> None:
    literal = await send(client, REGISTER_LITERAL.format(input=f'{{userName: "{SECRET}"}}'))
    variable = await send(client, REGISTER_VARIABLE, {"i": {"userName": SECRET}})

    for body, code in ((literal, LITERAL), (variable, VARIABLE)):
        assert_no_echo(body, SECRET)
        assert "required field" in single(body, code)["message"]


async def test_a_value_of_the_wrong_type_is_not_repeated_and_its_field_is_named(client: httpx.AsyncClient) -> None:
    literal = await send(client, REGISTER_LITERAL.format(input='{userName: "ann_lee", password: 982451653}'))
    variable = await send(client, REGISTER_VARIABLE, {"i": {"userName": "ann_lee", "password": 982451653}})

    for body, code in ((literal, LITERAL), (variable, VARIABLE)):
        assert_no_echo(body, "982451653", "ann_lee")
        error = single(body, code)
        assert error["message"].endswith("String cannot represent a non string value.")
        assert error["extensions"]["field"] == "password"


async def test_nested_values_and_lists_are_not_repeated(client: httpx.AsyncClient) -> None:
    cases = [
        # an object where a string goes, a list where a string goes, an unknown field holding a list of objects
        f'{{userName: "ann_lee", password: {{inner: "{SECRET}"}}}}',
        f'{{userName: "ann_lee", password: ["{SECRET}", "other"]}}',
        f'{{userName: "ann_lee", password: "p", extra: [{{deep: ["{SECRET}"]}}]}}',
    ]
    for case in cases:
        assert_no_echo(await send(client, REGISTER_LITERAL.format(input=case)), SECRET)
    variables = [
        {"userName": "ann_lee", "password": {"inner": SECRET}},
        {"userName": "ann_lee", "password": [SECRET, "other"]},
        {"userName": "ann_lee", "password": "p", "extra": [{"deep": [SECRET]}]},
    ]
    for value in variables:
        assert_no_echo(await send(client, REGISTER_VARIABLE, {"i": value}), SECRET)
    # the whole input as a list: an object was expected
    listed = await send(client, REGISTER_VARIABLE, {"i": [{"userName": "ann_lee", "password": SECRET}]})
    assert_no_echo(listed, SECRET, "ann_lee")
    assert single(listed)["message"].endswith("to be an object.")


async def test_arguments_and_syntax_errors_do_not_repeat_values(client: httpx.AsyncClient) -> None:
    login = "mutation {{ login(userName: {name}, password: {password}) {{ accessToken }} }}"
    wrong_type = await send(client, login.format(name='"ann_lee"', password=f'["{SECRET}"]'))
    by_variable = await send(
        client,
        'mutation L($p: String!) { login(userName: "ann_lee", password: $p) { accessToken } }',
        {"p": {"secret": SECRET}},
    )
    syntax = await send(client, login.format(name='"ann_lee"', password=f'"{SECRET}" "{SECRET}"'))

    for body in (wrong_type, by_variable, syntax):
        assert_no_echo(body, SECRET)
    assert single(wrong_type, LITERAL)["message"] == "String cannot represent a non string value."
    assert single(syntax, "GRAPHQL_PARSE_FAILED")["message"].startswith("Syntax Error:")


# Random values: whatever is sent, none comes back

# A value that is a plain word ("userName", "Variable": Hypothesis also tries the names it finds in the code)
# may appear in a message as the schema's own name or wording, not as an echo of the value.
VALUE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=8, max_size=40).filter(
    lambda value: not re.fullmatch(r"[A-Za-z_]+", value)
)
FORMS = st.sampled_from(["unknown field", "wrong type", "missing field", "nested"])
ECHO_FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def literal(value: object) -> str:
    """A GraphQL literal for a JSON-like value."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def input_for(form: str, password: str, other: str) -> dict[str, Any]:
    return {
        "unknown field": {"userName": other, "password": password, "emial": other},
        "wrong type": {"userName": [other], "password": {"value": password}},
        "missing field": {"firstName": other, "email": password},
        "nested": {"userName": "ann_lee", "password": "p", "extra": {"list": [password, {"deep": other}]}},
    }[form]


@ECHO_FUZZ
@given(password=VALUE, other=VALUE, form=FORMS, by_variable=st.booleans())
async def test_no_random_value_comes_back(
    client: httpx.AsyncClient, password: str, other: str, form: str, by_variable: bool
) -> None:
    value = input_for(form, password, other)
    if by_variable:
        body = await send(client, REGISTER_VARIABLE, {"i": value})
    else:
        body = await send(client, REGISTER_LITERAL.format(input=literal(value)))

    assert_no_echo(body, password, other)
    code = VARIABLE if by_variable else LITERAL
    assert all(error["extensions"]["code"] == code for error in body["errors"]), body
