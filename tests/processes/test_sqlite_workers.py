"""SQLite with two server processes (as WORKERS=2 runs them) on one file: every concurrent write gets its answer.

A deferred transaction that reads first and then writes, after the other process committed, is refused by
SQLite at once ("database is locked", whatever the busy timeout): follows and refreshes read under their lock
and then write, so with two workers some answered INTERNAL_SERVER_ERROR. Here many users, released together
by a barrier, follow, unfollow and trade their refresh tokens through both processes, round after round; no
answer may be an error, and the counters must end as the follows left them.

Two ``python main.py`` processes rather than one with WORKERS=2: uvicorn hands each connection to whichever
worker accepts it first, so one worker may serve them all; here half the users talk to each process.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.support import REFRESH, Account, Api, Result
from tests.support.servers import Server, run_main, server_environ
from tests.support.social import FOLLOW, FOLLOWERS, PERSON_QUERY, UNFOLLOW, connection

USERS = 10
ROUNDS = 6


def _target(i: int) -> str:
    return f"user{(i + 1) % USERS}"


def _follows_at_the_end(i: int) -> bool:
    """Even users end following their target, odd ones end not following it."""
    return i % 2 == 0


async def _problems(result: Result, what: str) -> list[str]:
    if result.status != 200 or result.errors or not isinstance(result.data, dict):
        return [f"{what}: HTTP {result.status} {str(result.body)[:300]}"]
    return []


async def _user(i: int, api: Api, account: Account, barrier: asyncio.Barrier) -> list[str]:
    """One user's rounds: follow, unfollow and refresh, each step started with every other user at once."""
    problems: list[str] = []

    async def step(document: str, variables: dict[str, Any], what: str) -> Result:
        await barrier.wait()
        result = await api.execute(document, variables, token=account.token)
        problems.extend(await _problems(result, what))
        return result

    for n in range(ROUNDS):
        await step(FOLLOW, {"userName": _target(i)}, f"user{i} follow, round {n}")
        await step(UNFOLLOW, {"userName": _target(i)}, f"user{i} unfollow, round {n}")
        refreshed = await step(REFRESH, {"refreshToken": account.refresh_token}, f"user{i} refresh, round {n}")
        if not refreshed.errors and refreshed.data:
            pair = refreshed.data["refreshToken"]
            account.token, account.refresh_token = pair["accessToken"], pair["refreshToken"]
    if _follows_at_the_end(i):
        await step(FOLLOW, {"userName": _target(i)}, f"user{i} last follow")
    else:
        await barrier.wait()
    return problems


async def _evening(urls: list[str]) -> None:
    clients = [httpx.AsyncClient(base_url=urls[i % len(urls)], timeout=30) for i in range(USERS)]
    try:
        apis = [Api(client, backend="sqlite") for client in clients]
        accounts = [await apis[i].register(f"user{i}", email=f"user{i}@example.com") for i in range(USERS)]
        barrier = asyncio.Barrier(USERS)
        problems = await asyncio.gather(*(_user(i, apis[i], accounts[i], barrier) for i in range(USERS)))
        errors = [problem for mine in problems for problem in mine]
        assert errors == [], f"{len(errors)} answers were errors; the first: {errors[:5]}"

        for i in range(USERS):
            name = f"user{i}"
            shown = await apis[0].execute(PERSON_QUERY, {"userName": name}, token=accounts[0].token)
            listed = await apis[0].execute(FOLLOWERS, {"userName": name, "first": 50}, token=accounts[0].token)
            follower = (i - 1) % USERS
            followers = [f"user{follower}"] if _follows_at_the_end(follower) else []
            following = 1 if _follows_at_the_end(i) else 0
            person = shown.data["user"]
            assert (person["followersCount"], person["followingCount"]) == (len(followers), following), person
            page = connection(listed)
            assert [edge["node"]["userName"] for edge in page["edges"]] == followers, listed.body
            assert page["totalCount"] == len(followers), listed.body
    finally:
        for client in clients:
            await client.aclose()


def test_two_processes_on_one_sqlite_file_answer_every_concurrent_write(tmp_path: Path) -> None:
    environ = server_environ(
        f"sqlite://{tmp_path / 'users.sqlite3'}",
        tmp_path,
        REGISTER_MAX_PER_ADDRESS="1000",
        REFRESH_MAX_PER_ADDRESS="100000",
    )
    migrated = run_main(environ, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    servers = [Server(environ, tmp_path / "a.log"), Server(environ, tmp_path / "b.log")]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready_blocking()
        asyncio.run(_evening([server.url for server in servers]))
    finally:
        for server in servers:
            server.stop()
