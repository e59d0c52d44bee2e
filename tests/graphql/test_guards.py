"""The GraphQL/HTTP edge guards: limits, introspection, suggestions, media types, CORS, tokens in URLs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from main import create_app
from schema.documents import parsed
from schema.pipeline import validate
from settings import Settings, SettingsError
from tests.support import LOGIN, PASSWORD, REGISTER, USER_FIELDS, Api, replace

GRAPHQL_RESPONSE = "application/graphql-response+json"

ME_NAME = "query { me { userName } }"  # depth 1
ME_PROFILE = "query { me { profile { verified } } }"  # depth 2
# The deepest document the schema allows: login -> user -> profile -> verified, depth 3.
LOGIN_DEEP = """
mutation Deep($userName: String!, $password: String!) {
  login(userName: $userName, password: $password) { user { profile { verified } } }
}"""
INTROSPECTION = "{ __schema { queryType { name } } }"
MISSPELT = "{ mee { userName } }"
SYNTAX_ERROR = "query { me { "
TYPENAME = "{ __typename }"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def tokens(count: int) -> str:
    """A document of ``count`` tokens: ``{``, ``}`` and count - 2 fields (valid, but costly to validate)."""
    return "{ " + " ".join(["__typename"] * (count - 2)) + " }"


def operations(count: int) -> str:
    """A valid document of 5 * ``count`` tokens: ``query qN { __typename }`` ``count`` times.

    Distinct operations, so validation stays cheap (thousands of sibling fields are refused by
    graphql-core's own overlapping-fields budget, "Validation aborted.", before any limit of ours).
    """
    return " ".join(f"query q{i} {{ __typename }}" for i in range(count))


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app built with these settings (the test also takes ``db``)."""
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict[str, Any]) -> set[str]:
    return {error["extensions"]["code"] for error in body.get("errors") or []}


# Limits


async def test_depth_limit_refuses_a_deeper_document_and_accepts_one_at_the_limit(db: str, settings: Settings) -> None:
    # The real schema is at most 3 deep (login/register/refreshToken -> user -> profile -> field),
    # so the default of 10 cannot be reached; a lowered limit shows the guard. Depth is counted as
    # graphql-depth-limit does: top-level fields are depth 0, so `me { profile { verified } }` is 2.
    async with client_for(replace(settings, max_query_depth=2)) as client:
        deep = await post(client, LOGIN_DEEP, {"userName": "nobody", "password": "whatever-password"})
        at_limit = await post(client, ME_PROFILE)

    assert deep["data"] is None
    assert codes(deep) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "depth" in deep["errors"][0]["message"]
    # Validated and executed: only the missing token stops it.
    assert codes(at_limit) == {"UNAUTHENTICATED"}


async def test_depth_limit_of_one_refuses_me_profile(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, max_query_depth=1)) as client:
        deep = await post(client, ME_PROFILE)
        shallow = await post(client, ME_NAME)

    assert codes(deep) == {"GRAPHQL_VALIDATION_FAILED"} and "depth" in deep["errors"][0]["message"]
    assert codes(shallow) == {"UNAUTHENTICATED"}


async def test_the_default_depth_limit_lets_the_deepest_real_document_through(api: Api) -> None:
    await api.register()

    result = await api.execute(LOGIN_DEEP, {"userName": "john_doe", "password": PASSWORD})

    assert result.data == {"login": {"user": {"profile": {"verified": False}}}}


async def test_more_aliases_than_the_limit_are_refused(api: Api) -> None:
    assert Settings().max_aliases == 20

    over = await api.execute(aliases(21))
    at_limit = await api.execute(aliases(20))

    assert over.status == 200 and over.data is None
    assert over.code == "GRAPHQL_VALIDATION_FAILED"
    assert "alias" in over.error["message"]
    assert not at_limit.errors
    assert at_limit.data == {f"a{i}": "Query" for i in range(20)}


async def test_a_lowered_alias_limit_is_honoured(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, max_aliases=2)) as client:
        over = await post(client, aliases(3))
        at_limit = await post(client, aliases(2))

    assert codes(over) == {"GRAPHQL_VALIDATION_FAILED"}
    assert at_limit == {"data": {"a0": "Query", "a1": "Query"}}


async def test_a_document_over_the_token_limit_is_refused(api: Api) -> None:
    assert Settings().max_tokens == 2000

    document = operations(400)  # 2000 tokens
    at_limit = await api.client.post("/graphql", json={"query": document, "operationName": "q399"})
    over = await api.client.post("/graphql", json={"query": document + " query", "operationName": "q399"})

    assert at_limit.status_code == 200
    assert at_limit.json() == {"data": {"__typename": "Query"}}
    assert over.status_code == 200
    body = over.json()
    assert body["data"] is None
    assert codes(body) == {"GRAPHQL_PARSE_FAILED"}
    assert "2000 tokens" in body["errors"][0]["message"]


async def test_six_hundred_repeated_fields_are_refused_before_validation(api: Api) -> None:
    """Repeats without aliases: quadratic to validate, and under the alias and token limits."""
    assert Settings().max_selections == 500
    document = "{ " + " ".join(["__typename"] * 600) + " }"
    validated = validate.cache_info()

    first = await api.execute(document)
    parsed_once = parsed.cache_info()
    again = await api.execute(document)

    for result in (first, again):
        assert result.status == 200 and result.data is None, result.body
        assert result.code == "GRAPHQL_VALIDATION_FAILED"
        assert result.error["message"] == "The document has 600 field selections; at most 500 are allowed."
    assert validate.cache_info()[:2] == validated[:2], "validation ran (its cache saw a lookup)"
    assert parsed.cache_info().misses == parsed_once.misses, "the verdict is kept with the parsed document"


async def test_a_large_real_query_is_within_the_selection_limit(api: Api) -> None:
    """A screen showing you and 19 people with every field: 20 root fields of 18 selections each, 380."""
    await api.register()
    lookups = " ".join(f"u{i}: user(userName: $userName) {{ {USER_FIELDS} }}" for i in range(19))
    document = f"query Screen($userName: String!) {{ me {{ {USER_FIELDS} }} {lookups} }}"

    result = await api.execute(document, {"userName": "john_doe"}, token=(await api.register("ada")).token)

    assert not result.errors, result.body
    assert result.data["me"]["userName"] == "ada"
    assert [result.data[f"u{i}"]["userName"] for i in range(19)] == ["john_doe"] * 19


async def test_fields_fragment_spreads_and_inline_fragments_count_against_a_lowered_limit(
    db: str, settings: Settings
) -> None:
    four = "query { ...F ... on Query { __typename } } fragment F on Query { __typename }"
    five = "query { __typename ...F ... on Query { __typename } } fragment F on Query { __typename }"
    async with client_for(replace(settings, max_selections=4)) as client:
        at_limit = await post(client, four)
        over = await post(client, five)

    assert at_limit == {"data": {"__typename": "Query"}}
    assert codes(over) == {"GRAPHQL_VALIDATION_FAILED"}
    assert over["errors"][0]["message"] == "The document has 5 field selections; at most 4 are allowed."


@pytest.mark.parametrize(
    "document",
    [
        "{ me " + "{ profile " * 9_000 + "}" * 9_001,  # nested: no RecursionError
        "{ " + "__typename " * 9_000 + "}",  # flat
        "{ user(userName: " + "[" * 30_000 + "]" * 30_000 + ") { userName } }",  # nested list literal
    ],
    ids=["nested-selections", "flat", "nested-list"],
)
async def test_a_huge_document_within_the_body_limit_is_a_client_error(api: Api, document: str) -> None:
    result = await api.execute(document)

    assert result.status == 200
    assert result.data is None
    assert result.code == "GRAPHQL_PARSE_FAILED"


async def test_token_limit_over_get(api: Api) -> None:
    response = await api.client.get("/graphql", params={"query": tokens(2001)})

    assert response.status_code == 200
    assert codes(response.json()) == {"GRAPHQL_PARSE_FAILED"}


async def test_a_body_over_the_limit_is_a_413_with_a_graphql_error(api: Api) -> None:
    assert Settings().max_body_bytes == 100_000
    padding = " " * 100_000  # whitespace is no token: only the size is at fault
    body = json.dumps({"query": "{ __typename }" + padding})

    response = await api.client.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_body_at_the_limit_is_served(db: str, settings: Settings) -> None:
    body = json.dumps({"query": TYPENAME}).encode()
    async with client_for(replace(settings, max_body_bytes=len(body))) as client:
        at_limit = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        over = await client.post("/graphql", content=body + b" ", headers={"Content-Type": "application/json"})

    assert at_limit.status_code == 200 and at_limit.json() == {"data": {"__typename": "Query"}}
    assert over.status_code == 413


async def test_a_chunked_body_over_the_limit_is_a_413(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }'
        for _ in range(11):
            yield b" " * 10_000
        yield b'"}'

    response = await api.client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_small_chunked_body_is_served(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": '
        yield b'"{ __typename }"}'

    response = await api.client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# Introspection and suggestions


@pytest.mark.parametrize("app_env", ["development", "test"])
async def test_introspection_works_outside_production(db: str, settings: Settings, app_env: str) -> None:
    async with client_for(replace(settings, app_env=app_env)) as client:
        body = await post(client, INTROSPECTION)

    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_introspection_is_refused_in_production(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="production")) as client:
        schema = await post(client, INTROSPECTION)
        type_ = await post(client, '{ __type(name: "User") { name fields { name } } }')
        typename = await post(client, TYPENAME)

    assert schema["data"] is None and codes(schema) == {"GRAPHQL_VALIDATION_FAILED"}
    assert type_["data"] is None and codes(type_) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "__type" in type_["errors"][0]["message"]
    # __typename is no introspection: clients (Apollo, urql) add it to every selection.
    assert typename == {"data": {"__typename": "Query"}}


async def test_introspection_in_production_when_enabled(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="production", graphql_introspection=True)) as client:
        body = await post(client, INTROSPECTION)

    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_introspection_can_be_turned_off_in_development(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="development", graphql_introspection=False)) as client:
        body = await post(client, INTROSPECTION)

    assert codes(body) == {"GRAPHQL_VALIDATION_FAILED"}


async def test_production_gives_no_field_suggestions(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="production")) as client:
        field = await post(client, MISSPELT)
        argument = await post(client, 'query { user(userNam: "x") { userName } }')
        type_ = await post(client, "mutation($i: RegisterInpt!) { register(input: $i) { tokenType } }", {"i": {}})

    for body in (field, argument, type_):
        assert codes(body) == {"GRAPHQL_VALIDATION_FAILED"}, body
        assert not any("Did you mean" in error["message"] for error in body["errors"]), body
    assert field["errors"][0]["message"] == "Cannot query field 'mee' on type '…'."


async def test_development_gives_field_suggestions(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="development")) as client:
        body = await post(client, MISSPELT)

    assert codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "Did you mean 'me'?" in body["errors"][0]["message"]


# Caching and CORS


async def test_register_and_login_responses_are_not_cached(api: Api) -> None:
    register = await api.client.post(
        "/graphql", json={"query": REGISTER, "variables": {"input": {"userName": "ann", "password": PASSWORD}}}
    )
    login = await api.client.post(
        "/graphql", json={"query": LOGIN, "variables": {"userName": "ann", "password": PASSWORD}}
    )

    assert register.json()["data"]["register"]["accessToken"]
    assert login.json()["data"]["login"]["accessToken"]
    assert register.headers["cache-control"] == "no-store"
    assert login.headers["cache-control"] == "no-store"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_cors_allows_a_listed_origin_without_credentials(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, cors_origins=("https://app.example",))) as client:
        preflight = await client.options("/graphql", headers=_preflight("https://app.example"))
        actual = await client.post("/graphql", json={"query": TYPENAME}, headers={"Origin": "https://app.example"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert actual.headers["access-control-allow-origin"] == "https://app.example"
    for response in (preflight, actual):
        assert response.headers.get("access-control-allow-credentials") != "true"


async def test_cors_allows_the_headers_client_libraries_add(db: str, settings: Settings) -> None:
    """Apollo, Sentry and request-id headers must not make every preflight fail ("Failed to fetch")."""
    asked = "authorization, content-type, apollographql-client-name, sentry-trace, x-request-id"
    headers = _preflight("https://app.example") | {"Access-Control-Request-Headers": asked}
    async with client_for(replace(settings, cors_origins=("https://app.example",))) as client:
        preflight = await client.options("/graphql", headers=headers)

    assert preflight.status_code == 200
    allowed = {name.strip() for name in preflight.headers["access-control-allow-headers"].lower().split(",")}
    assert {"apollographql-client-name", "sentry-trace", "x-request-id", "authorization"} <= allowed
    assert preflight.headers.get("access-control-allow-credentials") != "true"


async def test_an_origin_written_with_a_trailing_slash_still_matches(db: str, tmp_path: Path) -> None:
    configured = Settings.from_environ(
        {"DATA_DIR": str(tmp_path), "JWT_SECRET": "s" * 48, "CORS_ORIGINS": "http://localhost:5173/"}
    )
    async with client_for(replace(configured, bcrypt_rounds=4)) as client:
        preflight = await client.options("/graphql", headers=_preflight("http://localhost:5173"))

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"


@pytest.mark.parametrize("written", ["localhost:5173", "https://app.example/graphql", "ftp://app.example"])
def test_an_origin_that_is_no_origin_is_refused_by_name(tmp_path: Path, written: str) -> None:
    with pytest.raises(SettingsError, match="CORS_ORIGINS"):
        Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": "s" * 48, "CORS_ORIGINS": written})


async def test_cors_gives_an_unknown_origin_nothing(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, cors_origins=("https://app.example",))) as client:
        preflight = await client.options("/graphql", headers=_preflight("https://evil.example"))
        actual = await client.post("/graphql", json={"query": TYPENAME}, headers={"Origin": "https://evil.example"})
        lookalike = await client.options("/graphql", headers=_preflight("https://app.example.evil.example"))

    for response in (preflight, actual, lookalike):
        assert "access-control-allow-origin" not in response.headers
        assert response.headers.get("access-control-allow-credentials") != "true"
    assert preflight.status_code == 400


async def test_no_cors_origins_means_no_cors_headers(api: Api) -> None:
    preflight = await api.client.options("/graphql", headers=_preflight("https://app.example"))
    actual = await api.client.post("/graphql", json={"query": TYPENAME}, headers={"Origin": "https://app.example"})

    assert actual.status_code == 200
    for response in (preflight, actual):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]
    assert preflight.status_code >= 400 and preflight.status_code < 500


# GraphQL over HTTP


async def test_graphql_response_media_type_is_answered_in_kind(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": TYPENAME}, headers={"Accept": GRAPHQL_RESPONSE})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        (SYNTAX_ERROR, None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        (REGISTER, {"input": {"userName": 42}}, "BAD_USER_INPUT"),  # variable coercion error
        (tokens(2001), None, "GRAPHQL_PARSE_FAILED"),
    ],
    ids=["syntax", "validation", "variables", "tokens"],
)
async def test_a_request_error_is_a_400_without_data_for_graphql_response_clients(
    api: Api, document: str, variables: dict[str, Any] | None, code: str
) -> None:
    response = await api.client.post(
        "/graphql", json={"query": document, "variables": variables}, headers={"Accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert body["errors"] and codes(body) == {code}


async def test_a_field_error_is_a_200_for_graphql_response_clients(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": ME_NAME}, headers={"Accept": GRAPHQL_RESPONSE})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" in body and body["data"] is None
    assert codes(body) == {"UNAUTHENTICATED"}


async def test_a_request_error_is_a_200_for_json_clients(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": SYNTAX_ERROR}, headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] is None
    assert codes(response.json()) == {"GRAPHQL_PARSE_FAILED"}


async def test_no_accept_header_gets_json(api: Api) -> None:
    request = api.client.build_request("POST", "/graphql", json={"query": TYPENAME})
    del request.headers["accept"]
    response = await api.client.send(request)

    assert "accept" not in response.request.headers
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        ("*/*", "application/json"),
    ],
)
async def test_accept_preferences_are_honoured(api: Api, accept: str, expected: str) -> None:
    response = await api.client.post("/graphql", json={"query": TYPENAME}, headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_unacceptable_media_type_is_a_406(api: Api, method: str) -> None:
    if method == "GET":
        response = await api.client.get("/graphql", params={"query": TYPENAME}, headers={"Accept": "text/plain"})
    else:
        response = await api.client.post("/graphql", json={"query": TYPENAME}, headers={"Accept": "text/plain"})

    assert response.status_code == 406


async def test_a_browser_still_gets_graphiql_in_development(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, app_env="development")) as client:
        response = await client.get("/graphql", headers={"Accept": BROWSER_ACCEPT})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


# Tokens in the URL


async def test_a_valid_token_in_the_query_string_is_refused(api: Api) -> None:
    account = await api.register()

    for parameter in ("access_token", "token"):
        response = await api.client.get("/graphql", params={"query": ME_NAME, parameter: account.token})
        assert response.status_code == 200
        assert response.json()["data"] is None
        assert codes(response.json()) == {"UNAUTHENTICATED"}, parameter


async def test_a_token_parameter_spoils_a_valid_header(api: Api) -> None:
    account = await api.register()
    header = {"Authorization": f"Bearer {account.token}"}

    get = await api.client.get("/graphql", params={"query": ME_NAME, "access_token": "x"}, headers=header)
    post_ = await api.client.post("/graphql?access_token=x", json={"query": ME_NAME}, headers=header)
    plain = await api.client.get("/graphql", params={"query": ME_NAME}, headers=header)

    for response in (get, post_):
        assert response.json()["data"] is None
        assert codes(response.json()) == {"UNAUTHENTICATED"}
        assert "URL" in response.json()["errors"][0]["message"]
    assert plain.json() == {"data": {"me": {"userName": "john_doe"}}}


# Batching


async def test_array_batching_is_refused_and_nothing_runs(api: Api) -> None:
    operations = [
        {"query": REGISTER, "variables": {"input": {"userName": name, "password": PASSWORD}}}
        for name in ("batch_one", "batch_two")
    ]

    response = await api.client.post("/graphql", json=operations)

    assert 400 <= response.status_code < 500
    for name in ("batch_one", "batch_two"):
        login = await api.login(name)
        assert login.code == "UNAUTHENTICATED", login.body


# Bodies that are JSON, but not a GraphQL request


NESTED = "[" * 40_000 + "]" * 40_000  # 80 KB: within the body limit, far beyond Python's recursion limit


@pytest.mark.parametrize(
    "body",
    [
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b'{"query": "\xff{ __typename }"}',  # not UTF-8
        b'{"query": "{ __typename }", "variables": {"v": ' + NESTED.encode() + b"}}",
        NESTED.encode(),
    ],
    ids=["string", "number", "null", "boolean", "not-utf8", "nested-variables", "nested-body"],
)
async def test_a_body_that_is_no_graphql_request_is_a_400(settings: Settings, body: bytes) -> None:
    """Compare test_body_that_is_not_json_is_a_400: these parse (or nearly), and must not reach a 500.

    No ``db``: the request is refused before any query, so one run (not one per backend) suffices.
    """
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # see the status a client sees
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400, response.text


async def test_deeply_nested_variables_over_get_are_a_400(settings: Settings) -> None:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        nested = "[" * 5_000 + "]" * 5_000
        response = await client.get("/graphql", params={"query": TYPENAME, "variables": nested})

    assert response.status_code == 400, response.text
