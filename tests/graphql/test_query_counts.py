"""SQL queries per operation: a small constant, the profile always loaded with its user (one JOIN).

Queries are counted from what Tortoise itself logs: every statement its database clients run goes
through an ``execute_*`` method that logs it on ``tortoise.db_client`` at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import LOGOUT_ALL, ME, USER, Account, Api
from tests.support.social import FOLLOW

DB_CLIENT = "tortoise.db_client"


class Queries:
    """Counts the statements Tortoise logs while a block runs (pytest's caplog keeps the records)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The statements run inside the block, in order."""
        self.caplog.clear()
        statements: list[str] = []
        yield statements
        statements.extend(
            record.getMessage()
            for record in self.caplog.records
            if record.name == DB_CLIENT and record.funcName.startswith("execute_")
        )


@pytest.fixture
def queries(caplog: pytest.LogCaptureFixture) -> Queries:
    caplog.set_level(logging.DEBUG, logger=DB_CLIENT)
    return Queries(caplog)


@pytest.fixture
async def api_unthrottled(db: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The app with throttling off: these tests register more users than one address may in an hour."""
    from main import create_app

    settings = Settings(
        app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4, rate_limit_enabled=False
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://t"
    ) as client:
        yield Api(client, backend=db)


def _loads_user_with_profile(statement: str) -> bool:
    return "JOIN" in statement and '"users"' in statement.replace("`", '"') and "user_profiles" in statement


async def test_me_is_one_query_that_joins_the_profile(api: Api, queries: Queries) -> None:
    account = await api.register(email="john@example.com")

    with queries.counting() as statements:
        result = await api.me(account.token)

    assert result.data["me"]["profile"]["verified"] is False
    assert len(statements) == 1, statements
    assert _loads_user_with_profile(statements[0]), statements
    assert '"sessions"' in statements[0].replace("`", '"'), statements  # the token's session, checked in it


async def test_user_by_name_is_one_query_for_the_caller_and_one_for_the_user(api: Api, queries: Queries) -> None:
    account = await api.register()
    await api.register("jane")

    with queries.counting() as statements:
        result = await api.execute(USER, {"userName": "jane"}, token=account.token)

    assert result.data["user"]["userName"] == "jane"
    assert len(statements) == 2, statements
    assert all(_loads_user_with_profile(statement) for statement in statements), statements


async def test_the_caller_is_loaded_once_per_request_however_many_fields_ask(api: Api, queries: Queries) -> None:
    account = await api.register(email="john@example.com")
    await api.register("jane")
    document = """
    query { me { userName email } a: user(userName: "jane") { userName } b: user(userName: "john_doe") { email } }
    """

    with queries.counting() as statements:
        result = await api.execute(document, token=account.token)

    assert result.data["b"]["email"] == "john@example.com"
    assert len(statements) == 3, statements  # the caller once, then each named user


async def test_login_is_one_query_and_the_inserts_of_its_session_and_event(api: Api, queries: Queries) -> None:
    await api.register(email="john@example.com")

    for user_name in ("john_doe", "john@example.com"):
        with queries.counting() as statements:
            result = await api.login(user_name)

        assert result.data["login"]["user"]["profile"]["verified"] is False
        assert len(statements) == 4, statements
        assert _loads_user_with_profile(statements[0]), statements
        assert statements[1].startswith("INSERT") and "sessions" in statements[1], statements
        assert statements[2].startswith("INSERT") and "session_refresh_tokens" in statements[2], statements
        assert statements[3].startswith("INSERT") and "security_events" in statements[3], statements


async def test_update_user_is_a_fixed_number_of_queries(api: Api, queries: Queries) -> None:
    account = await api.register()

    with queries.counting() as statements:
        result = await api.update_user(account, firstName="John", website="https://john.example")

    assert result.data["updateUser"]["profile"]["website"] == "https://john.example"
    # caller, target by name, UPDATE users, UPDATE user_profiles, INSERT the user.updated webhook event,
    # the updated user with its profile
    assert len(statements) == 6, statements
    assert [statement.split()[0] for statement in statements] == [
        "SELECT", "SELECT", "UPDATE", "UPDATE", "INSERT", "SELECT"
    ]  # fmt: skip
    assert "webhook_events" in statements[4], statements
    assert _loads_user_with_profile(statements[-1]), statements


async def test_query_counts_do_not_grow_with_the_number_of_users(api: Api, queries: Queries) -> None:
    accounts = [await api.register(f"user{n}") for n in range(5)]

    counts = []
    for account in accounts:
        with queries.counting() as statements:
            await api.execute(ME, token=account.token)
            await api.execute(USER, {"userName": "user0"}, token=account.token)
        counts.append(len(statements))

    assert counts == [3] * len(accounts)


# People: a page of users costs the same few queries whatever its size (per-request DataLoaders).

PEOPLE_PAGE = """
query People($query: String!) {
  users(query: $query, first: 100) {
    edges { node {
      userName followersCount followingCount
      viewerRelationship { following followedBy requested requestedBy blocking }
      followers(first: 3) { totalCount edges { followedAt node { userName viewerRelationship { following } } } }
      following(first: 3) { edges { node { userName } } }
    } }
  }
}"""

FOLLOWERS_PAGE = """
query Followers($userName: String!) {
  user(userName: $userName) {
    followers(first: 20) { edges { cursor followedAt node { userName viewerRelationship { following followedBy } } } }
  }
}"""


async def _crowd(api: Api, size: int) -> list[Account]:
    """``size`` users named fan<n>, each following the first and followed by the next."""
    fans = [await api.register(f"fan{n}") for n in range(size)]
    for n, fan in enumerate(fans):
        await api.execute(FOLLOW, {"userName": "fan0" if n else "fan1"}, token=fan.token)
        await api.execute(FOLLOW, {"userName": f"fan{(n + 1) % size}"}, token=fan.token)
    return fans


@pytest.mark.parametrize("size", [4, 12])
async def test_a_directory_page_with_relationships_and_lists_is_a_fixed_number_of_queries(
    api_unthrottled: Api, queries: Queries, size: int
) -> None:
    api = api_unthrottled
    fans = await _crowd(api, size)

    with queries.counting() as statements:
        result = await api.execute(PEOPLE_PAGE, {"query": "fan"}, token=fans[0].token)

    assert not result.errors, result.body
    assert len(result.data["users"]["edges"]) == size
    # caller; the exact match; the page; the page's relationships (follows and blocks, one query); followers pages
    # and their users; their totals; following pages and their users (the followers' relationships are loaded)
    assert len(statements) == 9, statements


@pytest.mark.parametrize("size", [4, 12])
async def test_a_followers_page_with_relationships_is_a_fixed_number_of_queries(
    api_unthrottled: Api, queries: Queries, size: int
) -> None:
    api = api_unthrottled
    fans = await _crowd(api, size)

    with queries.counting() as statements:
        result = await api.execute(FOLLOWERS_PAGE, {"userName": "fan0"}, token=fans[1].token)

    assert len(result.data["user"]["followers"]["edges"]) == size - 1
    # caller; the user; the followers page with its users; their relationships to the caller (follows and blocks,
    # one query)
    assert len(statements) == 4, statements


async def test_follow_is_a_fixed_number_of_queries_in_one_transaction(api: Api, queries: Queries) -> None:
    ann = await api.register("ann")
    await api.register("bob")

    with queries.counting() as statements:
        result = await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)

    assert result.data["follow"]["status"] == "FOLLOWING"
    locks = [s for s in statements if "FOR UPDATE" in s]
    assert len(locks) == (0 if api.backend == "sqlite" else 1), statements  # SQLite has one writer anyway
    # caller, target; in the transaction: lock both, blocks, the follow, privacy, INSERT, two counter UPDATEs,
    # INSERT the follow.created webhook event; then the user as the caller sees it, with its relationship
    # (follows and blocks, one query)
    assert len(statements) == 12, statements
    assert sum("webhook_events" in statement for statement in statements) == 1, statements


async def test_ending_sessions_writes_one_event_per_session(api: Api, queries: Queries) -> None:
    ann = await api.register("ann")
    for _ in range(2):
        await api.login("ann")

    with queries.counting() as statements:
        result = await api.execute(LOGOUT_ALL, token=ann.token)

    assert result.data == {"logoutAll": True}, result.body
    # the caller; in the transaction: bump the token version, end the sessions, read the ones it ended; one
    # INSERT of a session.revoked webhook event per session; the security event
    inserts = [statement for statement in statements if statement.startswith("INSERT")]
    assert sum("webhook_events" in statement for statement in inserts) == 3, statements
    assert len(statements) == 8, statements
