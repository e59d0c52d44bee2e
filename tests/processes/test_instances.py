"""Two real server processes behind one imaginary load balancer, sharing one PostgreSQL database.

Nothing that decides who a caller is, which names are taken or how many guesses were made may live in
one process only: tokens and sessions are in the database, throttle counters in Redis.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support import LOGOUT, LOGOUT_ALL, ME, PASSWORD, REFRESH, REGISTER, Api
from tests.support.servers import Server, postgres_database, run_main, server_environ
from tests.support.social import FOLLOW

pytestmark = pytest.mark.multi


@pytest.fixture(scope="module")
def shared_database() -> Iterator[str]:
    with postgres_database("two instances share a PostgreSQL database") as url:
        yield url


@pytest.fixture(scope="module")
def instances(shared_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    data_dir = tmp_path_factory.mktemp("instances")
    redis = {"REDIS_URL": os.environ["TEST_REDIS_URL"]} if os.environ.get("TEST_REDIS_URL") else {}
    # The racing-registration test alone registers 20 users from 127.0.0.1 within the hour.
    environ = server_environ(
        shared_database, data_dir, REDIS_PREFIX=f"test-{uuid.uuid4().hex}:", REGISTER_MAX_PER_ADDRESS="1000", **redis
    )
    migrated = run_main(environ, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    servers = (Server(environ, data_dir / "a.log"), Server(environ, data_dir / "b.log"))
    try:
        for server in servers:
            server.start()

        async def ready() -> None:
            await asyncio.gather(*(server.wait_ready() for server in servers))

        asyncio.run(ready())
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
async def apis(instances: tuple[Server, Server]) -> AsyncIterator[tuple[Api, Api]]:
    a, b = instances
    async with httpx.AsyncClient(base_url=a.url) as client_a, httpx.AsyncClient(base_url=b.url) as client_b:
        yield Api(client_a, backend="postgres"), Api(client_b, backend="postgres")


async def test_a_token_from_instance_a_works_on_instance_b(apis: tuple[Api, Api]) -> None:
    a, b = apis
    account = await a.register("alice", email="alice@example.com")

    me = (await b.me(account.token)).data["me"]

    assert (me["userID"], me["userName"], me["email"]) == (account.user["userID"], "alice", "alice@example.com")


async def test_a_password_change_on_b_revokes_tokens_issued_by_a(apis: tuple[Api, Api]) -> None:
    a, b = apis
    from_a = await a.register("bob")
    on_b = (await b.login("bob")).data["login"]["accessToken"]

    changed = await b.execute(
        "mutation($i: UpdateUserInput!) { updateProfile(input: $i) { userName } }",
        {"i": {"providedOldPassword": PASSWORD, "providedNewPassword": "a-brand-new-password"}},
        token=on_b,
    )

    assert not changed.errors, changed.body
    assert (await a.me(from_a.token)).code == "UNAUTHENTICATED"
    assert (await a.execute(ME, token=on_b)).code == "UNAUTHENTICATED"
    assert (await a.login("bob")).code == "UNAUTHENTICATED"
    assert not (await a.login("bob", "a-brand-new-password")).errors


async def test_twenty_racing_registrations_of_one_name_over_both_make_one_user(
    apis: tuple[Api, Api], shared_database: str
) -> None:
    a, b = apis
    attempts = [
        (a if i % 2 else b).execute(
            REGISTER,
            {
                "input": {
                    "userName": "Racer" if i % 3 else "racer",
                    "password": PASSWORD,
                    "email": f"racer{i}@example.com",
                }
            },
        )
        for i in range(20)
    ]

    results = await asyncio.gather(*attempts)

    assert len([r for r in results if not r.errors]) == 1
    assert {(r.code, r.field) for r in results if r.errors} == {("CONFLICT", "userName")}
    conn = await asyncpg.connect(shared_database.replace("postgres://", "postgresql://", 1))
    try:
        users = await conn.fetchval("SELECT count(*) FROM users WHERE user_name_key = 'racer'")
        profiles = await conn.fetchval(
            "SELECT count(*) FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.user_name_key = 'racer'"
        )
    finally:
        await conn.close()
    assert (users, profiles) == (1, 1)


async def test_login_failures_on_both_instances_add_up(apis: tuple[Api, Api]) -> None:
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("instances share throttle counts through Redis: set TEST_REDIS_URL (.ci/run does)")
    a, b = apis
    await a.register("carol")
    for attempt in range(5):
        await (a if attempt % 2 else b).login("carol", "not-carols-password")

    assert (await a.login("carol")).code == "TOO_MANY_REQUESTS"
    assert (await b.login("carol")).code == "TOO_MANY_REQUESTS"


async def test_logout_all_on_a_revokes_the_sessions_on_b(apis: tuple[Api, Api]) -> None:
    a, b = apis
    account = await a.register("dave")
    on_b = (await b.login("dave")).data["login"]
    assert (await b.me(on_b["accessToken"])).data["me"]["userName"] == "dave"

    assert (await a.execute(LOGOUT_ALL, token=account.token)).body == {"data": {"logoutAll": True}}

    assert (await b.me(on_b["accessToken"])).code == "UNAUTHENTICATED"
    assert (await b.execute(REFRESH, {"refreshToken": on_b["refreshToken"]})).code == "UNAUTHENTICATED"


async def test_follows_on_both_instances_add_up(apis: tuple[Api, Api], shared_database: str) -> None:
    a, b = apis
    star = await a.register("star")
    fans = [await (a if n % 2 else b).register(f"fan{n}") for n in range(20)]
    barrier = asyncio.Barrier(len(fans))

    async def follow(n: int) -> None:
        await barrier.wait()
        result = await (a if n % 2 else b).execute(FOLLOW, {"userName": "star"}, token=fans[n].token)
        assert result.data["follow"]["status"] == "FOLLOWING", result.body

    await asyncio.gather(*(follow(n) for n in range(len(fans))))

    for api in (a, b):
        me = await api.execute("{ me { followersCount followers(first: 100) { totalCount } } }", token=star.token)
        assert me.data["me"] == {"followersCount": 20, "followers": {"totalCount": 20}}
    conn = await asyncpg.connect(shared_database.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN users u ON u.id = f.followee_id WHERE u.user_name_key = 'star'"
        )
    finally:
        await conn.close()
    assert rows == 20


async def test_a_session_revoked_on_a_is_refused_on_b_at_the_next_request(apis: tuple[Api, Api]) -> None:
    a, b = apis
    account = await a.register("erin")
    phone = (await b.login("erin")).data["login"]
    assert (await b.me(phone["accessToken"])).data["me"]["userName"] == "erin"  # b has seen (and cached) it
    listed = (await b.execute("{ sessions { id current } }", token=phone["accessToken"])).data["sessions"]
    phone_id = next(session["id"] for session in listed if session["current"])

    revoked = await a.execute("mutation($id: ID!) { revokeSession(id: $id) }", {"id": phone_id}, token=account.token)

    assert revoked.body == {"data": {"revokeSession": True}}
    assert (await b.me(phone["accessToken"])).code == "UNAUTHENTICATED"
    assert (await a.me(phone["accessToken"])).code == "UNAUTHENTICATED"
    assert (await b.me(account.token)).data["me"]["userName"] == "erin"


async def test_a_logout_on_a_refuses_the_access_token_on_b_at_the_next_request(apis: tuple[Api, Api]) -> None:
    a, b = apis
    account = await a.register("frank")
    assert (await b.me(account.token)).data["me"]["userName"] == "frank"

    assert (await a.execute(LOGOUT, {"refreshToken": account.refresh_token})).body == {"data": {"logout": True}}

    assert (await b.me(account.token)).code == "UNAUTHENTICATED"


async def test_two_tabs_refreshing_at_once_on_both_instances_get_one_new_pair(apis: tuple[Api, Api]) -> None:
    """The reuse grace needs nothing of one process: the tab on b gets the refresh token a's tab got."""
    a, b = apis
    account = await a.register("grace")

    async def tab(api: Api, token: str, barrier: asyncio.Barrier) -> dict[str, Any]:
        await barrier.wait()
        result = await api.execute(REFRESH, {"refreshToken": token})
        return result.body

    for round_ in range(10):
        token = (await a.login("grace")).data["login"]["refreshToken"]
        barrier = asyncio.Barrier(2)

        on_a, on_b = await asyncio.gather(tab(a, token, barrier), tab(b, token, barrier))

        assert "errors" not in on_a and "errors" not in on_b, (round_, on_a, on_b)
        pair_a, pair_b = on_a["data"]["refreshToken"], on_b["data"]["refreshToken"]
        assert pair_a["refreshToken"] == pair_b["refreshToken"], round_
        assert (await b.me(pair_a["accessToken"])).data["me"]["userName"] == "grace", round_
        assert (await a.me(pair_b["accessToken"])).data["me"]["userName"] == "grace", round_
    assert not (await a.me(account.token)).errors  # the first session was never touched
