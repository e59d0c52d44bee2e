"""Behind PgBouncer in transaction-pooling mode: DATABASE_POOLER=pgbouncer makes every operation work.

PgBouncer (started here, tests/support/pgbouncer.py) hands each transaction, and each query outside one, to
whichever of its two server connections is free, so one client connection's queries run on both. asyncpg's
statement cache keeps named prepared statements on the server connection that prepared them: without the
setting, a later query finds its statement missing on the other connection, or finds the name taken by
another client's. The same session runs both ways, many users at once so statements interleave.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import PASSWORD, REFRESH, UPDATE_PROFILE, Api, Result
from tests.support.pgbouncer import behind_pgbouncer
from tests.support.servers import Server, postgres_database, run_main, server_environ
from tests.support.social import DIRECTORY, FOLLOW, FOLLOWERS, PERSON_QUERY, connection

pytestmark = pytest.mark.servers

USERS = 12  # sessions at once, against 2 server connections
ROUNDS = 3  # of the read part of each session
APP_POOL = "maxsize=8"  # the server's own pool: more client connections than PgBouncer has server ones
STAR = "bouncer_star"  # the user everyone follows
REGISTER = "mutation R($input: RegisterInput!) { register(input: $input) { accessToken } }"
LIMITS = {"REGISTER_MAX_PER_ADDRESS": "1000", "REFRESH_MAX_PER_ADDRESS": "1000"}


@pytest.fixture
def database_url() -> Iterator[str]:
    with postgres_database("PgBouncer stands in front of PostgreSQL") as url:
        yield url


async def session(api: Api, n: int, star: str) -> list[Result]:
    """One user's session: register, login, me, update, a user by name with the viewer's relationship,
    the followers list, a directory search, follow, refresh and me again. Returns every answer, failed ones included."""
    name = f"bouncer{n}"
    answers = []
    registered = await api.execute(
        REGISTER,
        {"input": {"userName": name, "password": PASSWORD, "email": f"{name}@example.com", "firstName": "Bea"}},
    )
    answers.append(registered)
    login = await api.login(name)
    answers.append(login)
    if login.errors or not login.data:
        return answers
    token, refresh = login.data["login"]["accessToken"], login.data["login"]["refreshToken"]
    for _ in range(ROUNDS):
        answers.append(await api.me(token))
        answers.append(await api.execute(PERSON_QUERY, {"userName": star}, token=token))
        answers.append(await api.execute(UPDATE_PROFILE, {"input": {"bio": f"round {_}"}}, token=token))
        answers.append(await api.execute(FOLLOWERS, {"userName": star, "first": 20}, token=token))
        answers.append(await api.execute(DIRECTORY, {"query": "bouncer", "first": 20}, token=token))
    answers.append(await api.execute(FOLLOW, {"userName": star}, token=token))
    refreshed = await api.execute(REFRESH, {"refreshToken": refresh})
    answers.append(refreshed)
    if refreshed.data and refreshed.data.get("refreshToken"):
        answers.append(await api.me(refreshed.data["refreshToken"]["accessToken"]))
    return answers


async def sessions(url: str) -> list[Result]:
    """A first user (the one everyone follows), then USERS sessions at once; every answer, in order."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        api = Api(client, backend="postgres")
        star = await api.execute(REGISTER, {"input": {"userName": STAR, "password": PASSWORD, "firstName": "Bea"}})
        token = star.data["register"]["accessToken"] if star.data else None
        everyone = await asyncio.gather(*(session(api, n, STAR) for n in range(USERS)))
        answers = [star, *(answer for answers in everyone for answer in answers)]
        answers.append(await api.execute(FOLLOWERS, {"userName": STAR, "first": 50}, token=token))
        return answers


def serve(environ: dict[str, str], log: Path) -> Server:
    server = Server(environ, log)
    server.start()
    server.wait_ready_blocking()
    return server


def test_every_operation_works_behind_pgbouncer_with_database_pooler_set(database_url: str, tmp_path: Path) -> None:
    with behind_pgbouncer(database_url, tmp_path / "pgbouncer.log") as pooled:
        environ = server_environ(f"{pooled}?{APP_POOL}", tmp_path, DATABASE_POOLER="pgbouncer", **LIMITS)
        migrated = run_main(environ, "migrate")  # through the pooler too
        assert migrated.returncode == 0, migrated.stderr
        server = serve(environ, tmp_path / "server.log")
        try:
            answers = asyncio.run(sessions(server.url))
        finally:
            server.stop()

    for answer in answers:
        assert answer.status == 200 and not answer.errors, (answer.body, server.output()[-3000:])
    followers = connection(answers[-1])
    assert sorted(edge["node"]["userName"] for edge in followers["edges"]) == sorted(
        f"bouncer{n}" for n in range(USERS)
    )
    log = server.output()  # the mail sender's outbox claims (SKIP LOCKED) ran through the pooler too
    assert "prepared statement" not in log and "Traceback" not in log and " ERROR " not in log, log[-3000:]


def test_without_the_setting_the_same_session_fails_on_prepared_statements(database_url: str, tmp_path: Path) -> None:
    migrated = run_main(server_environ(database_url, tmp_path), "migrate")  # directly: only serving is in question
    assert migrated.returncode == 0, migrated.stderr
    with behind_pgbouncer(database_url, tmp_path / "pgbouncer.log") as pooled:
        server = serve(server_environ(f"{pooled}?{APP_POOL}", tmp_path, **LIMITS), tmp_path / "server.log")
        try:
            answers = asyncio.run(sessions(server.url))
        finally:
            server.stop()

    failed = [answer for answer in answers if answer.status != 200 or answer.errors]
    assert failed, "every answer succeeded without DATABASE_POOLER: the other test proves nothing"
    assert 'prepared statement "__asyncpg_stmt_' in server.output(), server.output()[-3000:]
