"""A real client: Apollo Client (its persisted-query link, its default cache), under Node, against a real server
(skipped, saying why, where npm is absent; CI has npm)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import Server, running_server

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "tests" / "processes" / "clients"


@pytest.fixture(scope="module")
def apollo_client() -> Path:
    """Apollo Client and its persisted-query link, installed with npm into build/clients (once)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("Apollo Client runs under Node: install node and npm (CI has them)")
    target = ROOT / "build" / "clients"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(CLIENTS / "package.json", target / "package.json")
    for script in CLIENTS.glob("*.mjs"):
        shutil.copy(script, target / script.name)
    if not (target / "node_modules" / "@apollo" / "client").is_dir():
        subprocess.run(  # noqa: S603 - npm installing the pinned packages of tests/processes/clients/package.json
            [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", str(target)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return target / "apollo_apq.mjs"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as running:
        yield running


def _apollo(apollo_client: Path, server: Server) -> dict[str, Any]:
    """Apollo Client runs `query Me` twice through its persisted-query link: its results and requests."""
    register = "mutation R($i: RegisterInput!) { register(input: $i) { accessToken } }"
    variables = {"i": {"userName": "grace", "password": "secure_password123"}}
    registered = httpx.post(server.graphql_url, json={"query": register, "variables": variables}).json()
    token = registered["data"]["register"]["accessToken"]

    run = subprocess.run(  # noqa: S603 - node running our own script
        [shutil.which("node") or "node", str(apollo_client), server.graphql_url, token],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 0, run.stderr
    output: dict[str, Any] = json.loads(run.stdout)
    return output


def test_apollo_clients_persisted_query_link_works_unchanged(apollo_client: Path, server: Server) -> None:
    output = _apollo(apollo_client, server)

    assert [result["me"]["userName"] for result in output["results"]] == ["grace", "grace"]
    # The link's own sequence: hash alone by GET, not found; the document by POST; then the hash alone by GET.
    sequence = [(r["method"], r["hasQuery"]) for r in output["requests"]]
    assert sequence == [("GET", False), ("POST", True), ("GET", False)]
    # Apollo Client 4 accepts application/graphql-response+json: a hash it must resend is a request error, 400.
    assert [r["status"] for r in output["requests"]] == [400, 200, 200]


def test_apollo_clients_run_a_document_the_server_will_not_store(apollo_client: Path, tmp_path: Path) -> None:
    """A refused registration runs unstored: the link resends the document on each use and never fails."""
    with running_server(tmp_path, PERSISTED_QUERIES_MAX_BYTES="10") as server:
        output = _apollo(apollo_client, server)

    assert [result["me"]["userName"] for result in output["results"]] == ["grace", "grace"]
    sequence = [(r["method"], r["hasQuery"], r["status"]) for r in output["requests"]]
    assert sequence == [("GET", False, 400), ("POST", True, 200), ("GET", False, 400), ("POST", True, 200)]


def _cache(apollo_client: Path, server: Server, key: str) -> dict[str, Any]:
    """Apollo Client with its default cache, keying User by ``key``: `me`, updateProfile(bio:), `me` again."""
    register = "mutation R($i: RegisterInput!) { register(input: $i) { accessToken } }"
    variables = {"i": {"userName": f"grace_{key.lower()}", "password": "secure_password123"}}
    registered = httpx.post(server.graphql_url, json={"query": register, "variables": variables}).json()
    token = registered["data"]["register"]["accessToken"]

    run = subprocess.run(  # noqa: S603 - node running our own script
        [
            shutil.which("node") or "node",
            str(apollo_client.parent / "apollo_cache.mjs"),
            server.graphql_url,
            token,
            key,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 0, run.stderr
    output: dict[str, Any] = json.loads(run.stdout)
    return output


def test_apollos_default_cache_updates_a_cached_me_after_update_profile(apollo_client: Path, server: Server) -> None:
    output = _cache(apollo_client, server, "id")

    assert output["before"]["bio"] is None
    assert output["updated"]["bio"] == "Updated from the client."
    # The mutation's User has the same __typename and id as `me`: one cache entry, so `me` shows the new bio.
    assert output["cached"] == {**output["before"], "bio": "Updated from the client."}
    assert f"User:{output['before']['id']}" in output["keys"]


def test_without_the_id_apollos_default_cache_keeps_the_old_bio(apollo_client: Path, server: Server) -> None:
    """The same client keying by userID, as it had to before User had an id: Apollo cannot normalise the user,
    so the cached `me` never sees the change (issue 22, item 2)."""
    output = _cache(apollo_client, server, "userID")

    assert output["updated"]["bio"] == "Updated from the client."
    assert output["cached"]["bio"] is None
    assert not any(key.startswith("User:") for key in output["keys"])
