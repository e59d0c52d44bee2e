"""The server's own log, as an operator reads it: one line per request, and never a password or token."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.support import LOGIN, ME, PASSWORD, REGISTER
from tests.support.servers import Server, running_server


def _post(server: Server, query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(server.graphql_url, json={"query": query, "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


def _session(server: Server) -> tuple[str, str, str]:
    """Register, log in, fail a login, read me: returns the user id and both tokens."""
    registered = _post(server, REGISTER, {"input": {"userName": "ada", "password": PASSWORD}})["data"]["register"]
    logged_in = _post(server, LOGIN, {"userName": "ada", "password": PASSWORD})["data"]["login"]
    failed = _post(server, LOGIN, {"userName": "ada", "password": "wrong-password-1"})
    assert failed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert _post(server, ME, {}, token=logged_in["accessToken"])["data"]["me"]["userName"] == "ada"
    return registered["user"]["userID"], registered["accessToken"], logged_in["accessToken"]


def test_json_logs_have_one_line_per_request_and_no_secrets(tmp_path: Path) -> None:
    with running_server(tmp_path, LOG_FORMAT="json") as server:
        user_id, register_token, login_token = _session(server)

    log = server.output()
    entries = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    graphql = [entry for entry in entries if entry["logger"] == "app.access" and entry["path"] == "/graphql"]
    assert [(e["method"], e["operation"], e["status"], e["user_id"]) for e in graphql] == [
        ("POST", "Register", 200, int(user_id)),
        ("POST", "Login", 200, int(user_id)),
        ("POST", "Login", 200, None),  # a failed login is a GraphQL error, and nobody is signed in
        ("POST", "Me", 200, int(user_id)),
    ]
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0 for e in graphql)
    for secret in (PASSWORD, "wrong-password-1", register_token, login_token):
        assert secret not in log


def test_text_logs_are_readable_lines_without_secrets(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        user_id, register_token, login_token = _session(server)
        anonymous = httpx.post(server.graphql_url, json={"query": "{ __typename }"})
        assert anonymous.json() == {"data": {"__typename": "Query"}}

    log = server.output()
    assert re.search(rf"INFO app\.access: POST /graphql Login 200 \d+\.\d ms user={user_id}$", log, re.MULTILINE)
    assert re.search(r"INFO app\.access: POST /graphql - 200 \d+\.\d ms user=-$", log, re.MULTILINE)
    assert not log.lstrip().startswith("{")
    for secret in (PASSWORD, "wrong-password-1", register_token, login_token):
        assert secret not in log


def test_a_client_cannot_forge_a_line_in_the_text_log(tmp_path: Path) -> None:
    forged = "\n2026-01-01 00:00:00,000 INFO app.access: POST /graphql Forged 200 1.0 ms user=1"
    with running_server(tmp_path) as server:
        httpx.post(server.graphql_url, json={"query": "query Q { __typename }", "operationName": "Q" + forged})
        httpx.get(server.url + "/nothing%0A2026-01-01%2000:00:00,000%20INFO%20app.access:%20Forged")

    log = server.output()
    assert not [line for line in log.splitlines() if line.startswith("2026-01-01")]
    assert "INFO app.access: POST /graphql - 400 " in log  # no such operation, and not a name: not logged
    assert "INFO app.access: GET /nothing\\n2026-01-01 00:00:00,000 INFO app.access: Forged - 404 " in log


def test_debug_logs_keep_sql_values_out(tmp_path: Path) -> None:
    """At DEBUG the libraries talk more, but Tortoise's statements (with hashes as values) stay out."""
    with running_server(tmp_path, LOG_LEVEL="DEBUG") as server:
        _, register_token, login_token = _session(server)

    log = server.output()
    assert " DEBUG " in log  # the level took effect
    assert "$2b$" not in log  # no bcrypt hash
    assert "INSERT INTO" not in log and "SELECT " not in log
    for secret in (PASSWORD, "wrong-password-1", register_token, login_token):
        assert secret not in log
