"""With introspection off, a malformed request learns no name of the schema that it did not send itself.

graphql-core's messages suggest names ("Did you mean 'email'?", anywhere in the text) and name the types,
arguments and required fields involved. The requests below are generated from the published schema
(schema.graphql): misspelt fields, arguments, input fields (in literals and in variables) and types, unknown
values, missing arguments and fields, selections missing or misplaced. Oracle: every name of schema.graphql
that appears in a message must appear in the request (its query or its variables).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    build_schema,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_leaf_type,
    is_object_type,
    is_required_argument,
)

from main import create_app
from settings import Settings
from tests.support import replace

SCHEMA = build_schema((Path(__file__).resolve().parents[2] / "schema.graphql").read_text())
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}  # the same in every schema


def _schema_names() -> set[str]:
    names: set[str] = set()
    for type_ in SCHEMA.type_map.values():
        if type_.name.startswith("__") or type_.name in BUILT_IN:
            continue
        names.add(type_.name)
        if is_object_type(type_):
            for field_name, field in type_.fields.items():
                names.add(field_name)
                names.update(field.args)
        if is_input_object_type(type_):
            names.update(type_.fields)
        if is_enum_type(type_):
            names.update(type_.values)
    return names


SCHEMA_NAMES = _schema_names()


def typos(name: str) -> list[str]:
    """Near misses graphql-core would suggest ``name`` for: the last letter dropped, two middle ones swapped,
    one doubled (``email``: ``emai``, ``emial``, ``emaail``)."""
    middle = len(name) // 2
    swapped = name[:middle] + name[middle + 1 : middle + 2] + name[middle] + name[middle + 2 :]
    return sorted({name[:-1], swapped, name[:middle] + name[middle] + name[middle:]} - {name, ""} - SCHEMA_NAMES)


def _object(name: str) -> GraphQLObjectType:
    type_ = SCHEMA.type_map[name]
    assert isinstance(type_, GraphQLObjectType)
    return type_


def _input(name: str) -> GraphQLInputObjectType:
    type_ = SCHEMA.type_map[name]
    assert isinstance(type_, GraphQLInputObjectType)
    return type_


Request = tuple[str, dict[str, Any] | None]

# A place to select fields of each object type, and a valid call for each root field.
SELECTING = {
    "Query": "query {{ {} }}",
    "Mutation": "mutation {{ {} }}",
    "User": "query {{ me {{ {} }} }}",
    "UserProfile": "query {{ me {{ profile {{ {} }} }} }}",
    "AuthPayload": 'mutation {{ login(userName: "a", password: "b") {{ {} }} }}',
    "DeleteUserPayload": 'mutation {{ deleteUser(userName: "a") {{ {} }} }}',
}
REGISTER_WITH = 'mutation {{ register(input: {{userName: "a", password: "b", {}}}) {{ tokenType }} }}'
UPDATE_WITH = "mutation {{ updateProfile(input: {{{}}}) {{ bio }} }}"
REGISTER_VARIABLE = "mutation($i: {}!) {{ register(input: $i) {{ tokenType }} }}"


def malformed_requests() -> Iterator[Request]:
    for type_name, template in SELECTING.items():
        for field_name in _object(type_name).fields:
            for typo in typos(field_name):
                yield template.format(typo), None
    for root in ("Query", "Mutation"):
        operation = root.lower()
        for field_name, field in _object(root).fields.items():
            for argument in field.args:
                for typo in typos(argument):
                    yield f'{operation} {{ {field_name}({typo}: "x") {{ __typename }} }}', None
            required = any(is_required_argument(argument) for argument in field.args.values())
            if required or not is_leaf_type(get_named_type(field.type)):
                yield f"{operation} {{ {field_name} }}", None  # no required arguments, no selection
    for input_name, template in (("RegisterInput", REGISTER_WITH), ("UpdateUserInput", UPDATE_WITH)):
        for field_name in _input(input_name).fields:
            for typo in typos(field_name):
                yield template.format(f'{typo}: "x"'), None
                yield REGISTER_VARIABLE.format("RegisterInput"), {"i": {"userName": "a", "password": "b", typo: "x"}}
            yield template.format(f"{field_name}: {field_name.upper()}"), None  # an enum-like value
    for type_name in [*SELECTING, "RegisterInput", "UpdateUserInput", "DateTime"]:
        for typo in typos(type_name):
            yield REGISTER_VARIABLE.format(typo), {"i": {}}
            yield f"query {{ ... on {typo} {{ __typename }} }}", None
    yield REGISTER_VARIABLE.format("String"), {"i": "x"}
    yield 'mutation { register(input: {userName: "a"}) { tokenType } }', None
    yield REGISTER_VARIABLE.format("RegisterInput"), {"i": {"userName": "a"}}
    yield "mutation { register(input: [1]) { tokenType } }", None
    yield "query { me { profile } }", None
    yield "query { me { ... on AuthPayload { tokenType } } }", None
    yield 'query { user(userName: "a", userName: "b") { __typename } }', None


REQUESTS = list(malformed_requests())


def names_in(text: str) -> set[str]:
    return set(NAME.findall(text))


def sent_names(query: str, variables: dict[str, Any] | None) -> set[str]:
    sent = names_in(query)
    pending: list[Any] = [variables]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            sent |= names_in(value)
        elif isinstance(value, dict):
            pending.extend([*value.keys(), *value.values()])
    return sent


REQUEST_ERROR_CODES = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}


async def _leaks(client: httpx.AsyncClient) -> AsyncIterator[tuple[str, set[str]]]:
    """(message, schema names in it that the request did not send) for every error of every request."""
    for query, variables in REQUESTS:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        errors = response.json().get("errors")
        assert errors, f"not refused: {query} {variables}"
        assert {error["extensions"]["code"] for error in errors} <= REQUEST_ERROR_CODES, errors
        for error in errors:
            # "query" is also an argument's name (users(query:)); in graphql-core's own wording it names nothing.
            wording = error["message"].replace("Cannot query field", "Cannot select field")
            yield error["message"], (names_in(wording) & SCHEMA_NAMES) - sent_names(query, variables)


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def test_the_generated_requests_cover_every_kind_of_mistake() -> None:
    assert len(REQUESTS) > 150
    for fragment in ("query { mee }", "(userNam:", "emial:", "'emial'", "$i: RegisterInpu!", "on Use ", "BIO", "[1]"):
        assert any(fragment in query or fragment in str(variables) for query, variables in REQUESTS), fragment


async def test_production_messages_name_only_what_the_request_sent(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="production")) as client:
        leaks = [(message, names) async for message, names in _leaks(client) if names or "Did you mean" in message]

    assert leaks == []


async def test_development_keeps_the_suggestions(db: str, settings: Settings) -> None:
    """The same requests, with introspection on: the helpful messages, and the oracle above does bite."""
    async with client_for(replace(settings, app_env="development")) as client:
        messages = [(message, names) async for message, names in _leaks(client)]

    revealing = [message for message, names in messages if names]
    assert len(revealing) > len(REQUESTS) // 2
    assert any("Did you mean 'email'?" in message for message in revealing)


async def test_the_reported_register_request_gets_no_suggestion_in_production(db: str, settings: Settings) -> None:
    query = 'mutation { register(input: {userName: "a", password: "b", emial: "x"}) { tokenType } }'
    async with client_for(replace(settings, app_env="production")) as client:
        body = (await client.post("/graphql", json={"query": query})).json()

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"  # a literal: the document's
    # and no value sent comes back (issue 20.13): the unknown field is named, as it was sent
    assert body["errors"][0]["message"] == "Expected value of type '…' not to include unknown field 'emial'."
    assert body["errors"][0]["extensions"]["field"] == "emial"
