"""Persisted queries: Apollo's APQ protocol over POST and GET, trusted documents from a manifest, Redis sharing.

The protocol as Apollo's persisted-query link speaks it: send ``extensions.persistedQuery`` (version 1,
``sha256Hash`` of the document) without the document; on ``PersistedQueryNotFound`` send both once; from then
on the hash alone is enough. gql (the Python client) always sends the document, so the real-client test
(tests/processes/test_apollo_client.py) runs Apollo Client's own link under Node.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from main import create_app
from schema.trusted import ManifestError
from settings import Settings, SettingsError
from tests.support import ME, USER, Api, Result, replace

ME_SHA = hashlib.sha256(ME.encode()).hexdigest()
USER_SHA = hashlib.sha256(USER.encode()).hexdigest()
UNLISTED = "query Unlisted { me { userName } }"


def persisted(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def post(api: Api, body: dict[str, Any], token: str | None = None) -> Result:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.client.post("/graphql", json=body, headers=headers)
    return Result(response.status_code, response.json())


async def get(api: Api, params: dict[str, Any], token: str | None = None, accept: str = "*/*") -> Result:
    headers = {"Accept": accept, **({"Authorization": f"Bearer {token}"} if token else {})}
    encoded = {key: json.dumps(value) if isinstance(value, dict) else value for key, value in params.items()}
    response = await api.client.get("/graphql", params=encoded, headers=headers)
    return Result(response.status_code, response.json())


@asynccontextmanager
async def api_with(settings: Settings, backend: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, backend=backend)
    finally:  # ASGITransport runs no lifespan: close what it would
        await app.state.persisted.close()
        await app.state.throttle.counters.close()


async def test_hash_first_then_document_then_hash_alone(api: Api) -> None:
    account = await api.register()

    unknown = await get(api, {"extensions": persisted(ME_SHA)}, account.token)
    registered = await post(api, {"query": ME, "extensions": persisted(ME_SHA)}, account.token)
    by_hash_get = await get(api, {"extensions": persisted(ME_SHA)}, account.token)
    by_hash_post = await post(api, {"extensions": persisted(ME_SHA)}, account.token)

    assert unknown.status == 200
    assert unknown.error["message"] == "PersistedQueryNotFound"
    assert unknown.code == "PERSISTED_QUERY_NOT_FOUND"
    assert registered.data["me"]["userName"] == "john_doe"
    assert by_hash_get.data == registered.data
    assert by_hash_post.data == registered.data


async def test_variables_and_operation_name_travel_with_the_hash(api: Api) -> None:
    account = await api.register("ada")
    await post(api, {"query": USER, "variables": {"userName": "ada"}, "extensions": persisted(USER_SHA)}, account.token)

    result = await get(
        api,
        {"extensions": persisted(USER_SHA), "variables": {"userName": "ADA"}, "operationName": "User"},
        account.token,
    )

    assert result.data["user"]["userName"] == "ada", result.body


async def test_a_document_that_does_not_match_its_hash_is_refused_and_not_stored(api: Api) -> None:
    account = await api.register()
    wrong = await post(api, {"query": ME, "extensions": persisted(USER_SHA)}, account.token)
    later = await post(api, {"extensions": persisted(USER_SHA)}, account.token)

    assert wrong.code == "BAD_USER_INPUT"
    assert wrong.error["message"] == "provided sha does not match query"
    assert later.code == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_invalid_document_is_not_stored(api: Api) -> None:
    invalid = "query Bad { me { noSuchField } }"
    sha = hashlib.sha256(invalid.encode()).hexdigest()

    first = await post(api, {"query": invalid, "extensions": persisted(sha)})
    again = await post(api, {"extensions": persisted(sha)})

    assert first.code == "GRAPHQL_VALIDATION_FAILED"
    assert again.code == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extension",
    [{"version": 2, "sha256Hash": ME_SHA}, {"version": 1, "sha256Hash": "abc"}, {"version": 1}, "hash"],
)
async def test_malformed_persisted_query_extensions_are_bad_input(api: Api, extension: Any) -> None:
    result = await post(api, {"extensions": {"persistedQuery": extension}})

    assert result.code == "BAD_USER_INPUT"


async def test_with_automatic_persisted_queries_off_the_server_says_not_supported(db: str, settings: Settings) -> None:
    async with api_with(replace(settings, persisted_queries=False), db) as api:
        account = await api.register()
        by_hash = await post(api, {"extensions": persisted(ME_SHA)}, account.token)
        with_document = await post(api, {"query": ME, "extensions": persisted(ME_SHA)}, account.token)
        plain = await api.me(account.token)

    assert by_hash.code == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert by_hash.error["message"] == "PersistedQueryNotSupported"
    assert with_document.code == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert plain.data["me"]["userName"] == "john_doe"


async def test_in_production_a_get_by_hash_is_not_mistaken_for_graphiql(db: str, settings: Settings) -> None:
    async with api_with(replace(settings, app_env="production"), db) as api:
        result = await get(api, {"extensions": persisted(ME_SHA)}, accept="text/html,*/*")

    assert result.code == "PERSISTED_QUERY_NOT_FOUND"


async def test_mutations_by_hash_over_get_are_refused(api: Api) -> None:
    logout_all = "mutation LogoutAll { logoutAll }"
    sha = hashlib.sha256(logout_all.encode()).hexdigest()
    account = await api.register()
    await post(api, {"query": logout_all, "extensions": persisted(sha)}, account.token)
    account = await api.register("other")

    response = await api.client.get(
        "/graphql",
        params={"extensions": json.dumps(persisted(sha))},
        headers={"Authorization": f"Bearer {account.token}"},
    )

    assert response.status_code in (400, 405)
    assert (await api.me(account.token)).data["me"]["userName"] == "other"


# Trusted documents ------------------------------------------------------------------------------------


def write_manifest(path: Path, *bodies: str) -> Path:
    operations = [
        {"id": hashlib.sha256(body.encode()).hexdigest(), "name": f"Op{i}", "type": "query", "body": body}
        for i, body in enumerate(bodies)
    ]
    path.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}))
    return path


@pytest.fixture
def manifest_only(settings: Settings, tmp_path: Path) -> Settings:
    manifest = write_manifest(tmp_path / "persisted-query-manifest.json", ME, USER)
    return replace(settings, persisted_queries_file=manifest, persisted_queries_only=True)


async def test_manifest_only_runs_listed_documents_by_hash_or_text(db: str, manifest_only: Settings) -> None:
    async with api_with(manifest_only, db) as api:
        register = await api.execute('mutation { register(input: {userName: "x", password: "p"}) { accessToken } }')
        listed_by_hash = await post(api, {"extensions": persisted(ME_SHA)})
        listed_by_text = await post(api, {"query": USER, "variables": {"userName": "nobody"}})

    assert register.code == "FORBIDDEN"
    assert listed_by_hash.code == "UNAUTHENTICATED"  # it ran: me without a token
    assert listed_by_text.code == "UNAUTHENTICATED"  # it ran too


async def test_manifest_only_refuses_other_documents_and_registrations(db: str, manifest_only: Settings) -> None:
    sha = hashlib.sha256(UNLISTED.encode()).hexdigest()
    async with api_with(manifest_only, db) as api:
        freeform = await post(api, {"query": UNLISTED})
        register = await post(api, {"query": UNLISTED, "extensions": persisted(sha)})
        by_hash = await post(api, {"extensions": persisted(sha)})

    assert freeform.code == "FORBIDDEN"
    assert freeform.error["message"] == "This server runs only the operations of its persisted-query manifest."
    assert register.code == "FORBIDDEN"
    assert by_hash.code == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_manifest_without_only_mode_adds_to_automatic_ones(db: str, settings: Settings, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.json", ME)
    async with api_with(replace(settings, persisted_queries_file=manifest), db) as api:
        account = await api.register()
        listed = await post(api, {"extensions": persisted(ME_SHA)}, account.token)
        freeform = await api.execute(UNLISTED, token=account.token)

    assert listed.data["me"]["userName"] == "john_doe"
    assert freeform.data == {"me": {"userName": "john_doe"}}


def test_a_manifest_document_that_breaks_a_guard_stops_the_server(settings: Settings, tmp_path: Path) -> None:
    deep = "query Deep { me { profile { website } } }"
    manifest = write_manifest(tmp_path / "manifest.json", ME, deep)

    with pytest.raises(ManifestError, match="persisted query"):
        create_app(replace(settings, persisted_queries_file=manifest, max_query_depth=1))


@pytest.mark.parametrize("content", ["not json", "{}", '{"format": "apollo-persisted-query-manifest", "version": 1}'])
def test_a_file_that_is_not_a_manifest_stops_the_server(settings: Settings, tmp_path: Path, content: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)

    with pytest.raises(ManifestError, match="PERSISTED_QUERIES_FILE"):
        create_app(replace(settings, persisted_queries_file=path))


def test_only_mode_without_a_manifest_stops_the_server(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PERSISTED_QUERIES_FILE"):
        Settings.from_environ({"DATA_DIR": str(tmp_path), "PERSISTED_QUERIES_ONLY": "true"})


# Shared through Redis -------------------------------------------------------------------------------


@pytest.fixture
async def redis_settings(settings: Settings) -> AsyncIterator[Settings]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("persisted queries are shared through Redis: set TEST_REDIS_URL (.ci/run does)")
    prefix = f"test-{uuid.uuid4().hex}:"
    yield replace(settings, redis_url=url, redis_prefix=prefix)
    client = redis.from_url(url)
    async for key in client.scan_iter(f"{prefix}*"):
        await client.delete(key)
    await client.aclose()


async def test_a_document_registered_on_one_instance_is_known_to_another(db: str, redis_settings: Settings) -> None:
    async with api_with(redis_settings, db) as first, api_with(replace(redis_settings), db) as second:
        account = await first.register()
        before = await post(second, {"extensions": persisted(ME_SHA)}, account.token)
        await post(first, {"query": ME, "extensions": persisted(ME_SHA)}, account.token)
        after = await post(second, {"extensions": persisted(ME_SHA)}, account.token)

    assert before.code == "PERSISTED_QUERY_NOT_FOUND"
    assert after.data["me"]["userName"] == "john_doe"


# Bounds: document size, new documents per address, the store's total ------------------------------


def numbered(i: int) -> tuple[str, str]:
    """A small valid document of its own, and its hash."""
    document = f"query Q{i} {{ __typename }}"
    return document, hashlib.sha256(document.encode()).hexdigest()


async def register(api: Api, i: int) -> Result:
    document, sha = numbered(i)
    return await post(api, {"query": document, "extensions": persisted(sha)})


async def by_hash(api: Api, i: int) -> str:
    """What a hash-only request for document ``i`` gets: "ran", or its error code."""
    result = await post(api, {"extensions": persisted(numbered(i)[1])})
    return "ran" if result.data == {"__typename": "Query"} else str(result.code)


Instances = Callable[..., AbstractAsyncContextManager[list[Api]]]


@pytest.fixture(params=["memory", "redis"])
def instances(request: pytest.FixtureRequest, db: str, settings: Settings) -> Instances:
    """``instances(count, address=..., **settings)``: Apis on ``count`` server instances. In memory the
    instances are one app (its store is per process); with Redis (TEST_REDIS_URL) each is an app of its own
    sharing the store and the counters, with an empty memory in front, so what they see is what Redis keeps."""
    shared = settings
    prefix = ""
    if request.param == "redis":
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            pytest.skip("the Redis store: set TEST_REDIS_URL (.ci/run does)")
        prefix = f"test-{uuid.uuid4().hex}:"
        shared = replace(settings, redis_url=url, redis_prefix=prefix)

    @asynccontextmanager
    async def open_instances(count: int, *addresses: str, **overrides: Any) -> AsyncIterator[list[Api]]:
        configured = replace(shared, **overrides)
        apps = [create_app(configured) for _ in range(count if configured.redis_url else 1)]
        async with AsyncExitStack() as stack:
            apis = []
            for i in range(count):
                app = apps[i % len(apps)]
                address = addresses[i] if i < len(addresses) else "127.0.0.1"
                transport = httpx.ASGITransport(app=app, client=(address, 40000))
                client = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://t"))
                apis.append(Api(client, backend=db))
            try:
                yield apis
            finally:
                for app in apps:
                    await app.state.persisted.close()
                    await app.state.throttle.counters.close()
                if prefix:
                    client = redis.from_url(shared.redis_url)
                    async for key in client.scan_iter(f"{prefix}*"):
                        await client.delete(key)
                    await client.aclose()

    return open_instances


async def test_a_document_over_the_size_limit_runs_but_is_not_stored(instances: Instances) -> None:
    small, small_sha = numbered(1)
    large, large_sha = numbered(22)  # one byte longer
    async with instances(2, persisted_queries_max_bytes=len(small.encode())) as (api, other):
        stored = await post(api, {"query": small, "extensions": persisted(small_sha)})
        refused = await post(api, {"query": large, "extensions": persisted(large_sha)})
        small_later, large_later = await by_hash(other, 1), await by_hash(other, 22)

    assert stored.data == refused.data == {"__typename": "Query"}  # both ran: the client lost nothing
    assert (small_later, large_later) == ("ran", "PERSISTED_QUERY_NOT_FOUND")


async def test_new_documents_are_limited_per_address(instances: Instances) -> None:
    limited = {"persisted_queries_max_per_address": 2}
    async with instances(3, "192.0.2.1", "192.0.2.1", "198.51.100.7", **limited) as (first, again, elsewhere):
        ran = [await register(first, i) for i in (1, 2, 3)]  # the third is one new document too many
        refused = await by_hash(again, 3)
        known = await register(again, 1)  # stored already: nothing new, so not refused
        from_elsewhere = await register(elsewhere, 3)  # another address has its own count
        later = [await by_hash(again, i) for i in (1, 2, 3)]
        fourth = await register(again, 4)
        fourth_later = await by_hash(elsewhere, 4)

    assert all(result.data == {"__typename": "Query"} for result in [*ran, known, from_elsewhere, fourth])
    assert refused == "PERSISTED_QUERY_NOT_FOUND"
    assert later == ["ran", "ran", "ran"]
    assert fourth_later == "PERSISTED_QUERY_NOT_FOUND"


async def test_the_store_keeps_the_most_recently_used_documents(instances: Instances) -> None:
    async with instances(3, persisted_queries_max_entries=3) as (first, second, third):
        for i in (1, 2, 3):
            await register(first, i)
        assert await by_hash(second, 1) == "ran"  # 1 is now the most recently used, 2 the least
        await register(first, 4)  # one too many: 2 goes
        answers = {i: await by_hash(third, i) for i in (1, 2, 3, 4)}

    assert answers == {1: "ran", 2: "PERSISTED_QUERY_NOT_FOUND", 3: "ran", 4: "ran"}


async def test_redis_holds_no_more_than_the_limit(db: str, redis_settings: Settings) -> None:
    async with api_with(replace(redis_settings, persisted_queries_max_entries=5), db) as api:
        for i in range(12):
            await register(api, i)
    client = redis.from_url(redis_settings.redis_url)
    try:
        documents = [key async for key in client.scan_iter(f"{redis_settings.redis_prefix}apq:*")]
        ttls = [await client.ttl(key) for key in documents]
    finally:
        await client.aclose()

    assert len(documents) == 5
    assert all(0 < ttl <= 7 * 24 * 3600 for ttl in ttls)
