"""The REST door keeps GraphQL's guards (issue 22.1): its routes run GraphQL's operations, so the throttles count
REST and GraphQL attempts together, the recent-sign-in rule holds, and the body cap, the response ceiling, the
access log and the metrics see REST requests as they see /graphql's."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from main import create_app
from services.identity import signing_keys
from settings import Settings
from tests.graphql.test_metrics import scrape, value
from tests.graphql.test_persisted_queries import write_manifest
from tests.graphql.test_recent_sign_in import signed_in_long_ago
from tests.support import ME, Api, replace
from tests.support.rest import PASSWORD, Rest, errors_of

WRONG = "not-the-password"


@asynccontextmanager
async def door(settings: Settings) -> AsyncIterator[tuple[Rest, Api]]:
    """The REST door and the GraphQL API of one app built with ``settings``."""
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Rest(client), Api(client, backend="")
    await app.state.throttle.counters.close()


async def test_failed_rest_logins_throttle_graphql_logins_and_the_other_way(db: str, settings: Settings) -> None:
    async with door(settings) as (rest, api):
        await rest.register("ann_lee")
        await rest.register("bob_ray")
        rest_failures = [
            await rest.call("POST", "/login", {"username": "ann_lee", "password": WRONG}) for _ in range(5)
        ]
        graphql_after_rest = await api.login("ann_lee", PASSWORD)
        graphql_failures = [await api.login("bob_ray", WRONG) for _ in range(5)]
        rest_after_graphql = await rest.call("POST", "/login", {"username": "bob_ray", "password": PASSWORD})

    assert {response.status_code for response in rest_failures} == {401}
    assert graphql_after_rest.code == "TOO_MANY_REQUESTS"
    assert {failure.code for failure in graphql_failures} == {"UNAUTHENTICATED"}
    assert rest_after_graphql.status_code == 429
    assert errors_of(rest_after_graphql) == [("TOO_MANY_REQUESTS", None)]
    retry_after = int(rest_after_graphql.headers["retry-after"])
    assert retry_after == rest_after_graphql.json()["error"]["retryAfter"]
    assert 0 < retry_after <= settings.login_window


async def test_registrations_count_over_both_doors(db: str, settings: Settings) -> None:
    async with door(replace(settings, register_max_per_address=2)) as (rest, api):
        await api.register("ann_lee")
        await rest.register("bob_ray")
        third = await rest.call("POST", "/register", {"username": "cy_dee", "password": PASSWORD})

    assert third.status_code == 429
    assert int(third.headers["retry-after"]) > 0


async def test_an_email_change_or_a_deletion_needs_a_recent_sign_in_or_the_password(
    api: Api, settings: Settings
) -> None:
    rest = Rest(api.client)
    ann = await rest.register("ann_lee", email="ann@example.com")
    old = signed_in_long_ago(ann["accessToken"], settings)

    refused = await rest.call("PUT", "/user/profile", {"email": "new@example.com"}, token=old)
    refused_by_name = await rest.call("PUT", "/api/users/ann_lee", {"email": "new@example.com"}, token=old)
    not_deleted = await rest.call("DELETE", "/api/users/ann_lee", token=old)
    with_password = await rest.call(
        "PUT", "/user/profile", {"email": "new@example.com", "providedOldPassword": PASSWORD}, token=old
    )
    deleted = await rest.call("DELETE", "/api/users/ann_lee", {"password": PASSWORD}, token=old)

    for answer, field in ((refused, "providedOldPassword"), (refused_by_name, "providedOldPassword")):
        assert answer.status_code == 403
        assert errors_of(answer) == [("FORBIDDEN", field)]
        assert answer.json()["error"]["reason"] == "RECENT_SIGN_IN_REQUIRED"
    assert not_deleted.status_code == 403
    assert errors_of(not_deleted) == [("FORBIDDEN", "password")]
    assert with_password.status_code == 200 and with_password.json()["email"] == "new@example.com"
    assert deleted.status_code == 200


async def test_a_body_over_the_cap_is_413_in_the_doors_shape(db: str, settings: Settings) -> None:
    async with door(replace(settings, max_body_bytes=500)) as (rest, _):
        ann = await rest.register("ann_lee")
        too_large = await rest.call("PUT", "/user/profile", {"bio": "x" * 600}, token=ann["accessToken"])
        get_with_a_body = await rest.call("GET", "/api/me", content=b"x" * 600, token=ann["accessToken"])
        me = await rest.call("GET", "/api/me", token=ann["accessToken"])

    assert too_large.status_code == get_with_a_body.status_code == 413
    assert errors_of(too_large) == [("PAYLOAD_TOO_LARGE", None)]
    assert me.json()["bio"] is None


async def test_an_answer_over_the_response_ceiling_is_refused_as_graphqls(db: str, settings: Settings) -> None:
    # The ceiling lets the access token (about 470 bytes with its signing key's kid) through, not the user.
    async with door(replace(settings, max_response_bytes=550)) as (rest, api):
        small = "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }"
        email = "e" * 50 + "@" + "d" * 60 + "." + "x" * 60 + ".com"
        names = {"firstName": "A" * 50, "lastName": "L" * 50, "email": email}  # a user too large
        registered = await api.execute(small, {"input": {"userName": "ann_lee", "password": PASSWORD} | names})
        me = await rest.call("GET", "/api/me", token=registered.data["register"]["accessToken"])
        login = await rest.call("POST", "/login", {"username": "ann_lee", "password": PASSWORD})

    assert me.status_code == login.status_code == 500
    assert errors_of(me) == [("RESPONSE_TOO_LARGE", None)]
    assert me.json()["error"]["maxBytes"] == 550
    assert "accessToken" not in login.text  # the answer that was too large is not sent


async def test_rest_requests_are_logged_and_counted_by_their_operation(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    rest = Rest(api.client)
    before = await scrape(api)

    with caplog.at_level(logging.INFO, logger="app.access"):
        ann = await rest.register("ann_lee")
        await rest.call("POST", "/login", {"username": "ann_lee", "password": WRONG})
        await rest.call("POST", "/api/register", content=b"{", headers={"Content-Type": "application/json"})

    after = await scrape(api)
    lines = [record.getMessage() for record in caplog.records if record.name == "app.access"]
    user_id = ann["user"]["userID"]
    assert any(
        line.startswith("POST /api/register RestRegister 201 ") and line.endswith(f"user={user_id}") for line in lines
    )
    assert any(line.startswith("POST /login RestLogin 401 ") for line in lines)
    for operation, outcome in (("RestRegister", "ok"), ("RestLogin", "UNAUTHENTICATED"), ("RestRegister", "HTTP_400")):
        counted = value(after, "graphql_requests_total", operation=operation, outcome=outcome)
        assert counted == value(before, "graphql_requests_total", operation=operation, outcome=outcome) + 1
    assert PASSWORD not in caplog.text


async def test_in_production_errors_still_name_the_fields_sent(db: str, settings: Settings) -> None:
    """With introspection off, GraphQL's messages hide schema names a client did not send; the door's own
    fields are named all the same."""
    await signing_keys.generate(settings)  # production signs with a key made by `python main.py keys generate`
    async with door(replace(settings, app_env="production")) as (rest, _):
        ann = await rest.register("ann_lee")
        answer = await rest.call("PUT", "/api/users/ann_lee", {"gender": 5, "verified": "no"}, token=ann["accessToken"])
        missing = await rest.call("POST", "/login", {})

    assert sorted(errors_of(answer)) == [("BAD_USER_INPUT", "gender"), ("BAD_USER_INPUT", "verified")]
    assert errors_of(missing) == [("BAD_USER_INPUT", "username"), ("BAD_USER_INPUT", "password")]


async def test_cors_lets_a_browser_put_and_delete(db: str, settings: Settings) -> None:
    origin = "https://app.example"
    asked = {"Origin": origin, "Access-Control-Request-Headers": "authorization, content-type"}
    async with door(replace(settings, cors_origins=(origin,))) as (rest, _):
        put = await rest.client.options("/api/users/ann", headers=asked | {"Access-Control-Request-Method": "PUT"})
        delete = await rest.client.options(
            "/api/users/ann", headers=asked | {"Access-Control-Request-Method": "DELETE"}
        )

    assert put.status_code == delete.status_code == 200
    assert "PUT" in put.headers["access-control-allow-methods"]
    assert "DELETE" in delete.headers["access-control-allow-methods"]


async def test_the_doors_own_documents_run_under_limits_set_for_clients_documents(db: str, settings: Settings) -> None:
    """Token, selection, depth, alias and cost limits bound what clients write; the door's documents are the
    server's, fixed and validated at start-up, so an operator's low limits do not close the door (or stop the
    server)."""
    low = replace(settings, max_query_depth=1, max_query_cost=5, max_selections=4, max_tokens=20)
    async with door(low) as (rest, api):
        registered = await rest.call("POST", "/register", {"username": "ann_lee", "password": PASSWORD})
        me = await rest.call("GET", "/api/me", token=registered.json()["accessToken"])
        clients = await api.execute(
            "query Me { me { userName profile { website } } }", token=registered.json()["accessToken"]
        )

    assert registered.status_code == 201
    assert me.status_code == 200 and me.json()["profile"]["verified"] is False
    assert clients.data is None and clients.errors  # the same depth from a client is refused


async def test_an_allow_list_of_client_documents_leaves_the_door_open(
    db: str, settings: Settings, tmp_path: Path
) -> None:
    """PERSISTED_QUERIES_ONLY allows clients the manifest's documents only; the door's are the server's own."""
    manifest = write_manifest(tmp_path / "manifest.json", ME)
    async with door(replace(settings, persisted_queries_file=manifest, persisted_queries_only=True)) as (rest, api):
        registered = await rest.call("POST", "/api/register", {"userName": "ann_lee", "passwordHash": PASSWORD})
        freeform = await api.execute('mutation { register(input: {userName: "bob", password: "p"}) { accessToken } }')

    assert registered.status_code == 201
    assert freeform.code == "FORBIDDEN"
