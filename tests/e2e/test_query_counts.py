"""SQL queries per operation: a small constant, the profile always loaded with its user (one JOIN).

Queries are counted from what Tortoise itself logs: every statement its database clients run goes
through an ``execute_*`` method that logs it on ``tortoise.db_client`` at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support import ME, USER, Api

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


def _loads_user_with_profile(statement: str) -> bool:
    return "JOIN" in statement and '"users"' in statement.replace("`", '"') and "user_profiles" in statement


async def test_me_is_one_query_that_joins_the_profile(api: Api, queries: Queries) -> None:
    account = await api.register(email="john@example.com")

    with queries.counting() as statements:
        result = await api.me(account.token)

    assert result.data["me"]["profile"]["verified"] is False
    assert len(statements) == 1, statements
    assert _loads_user_with_profile(statements[0]), statements


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


async def test_login_is_one_query_and_the_inserts_of_its_session(api: Api, queries: Queries) -> None:
    await api.register(email="john@example.com")

    for user_name in ("john_doe", "john@example.com"):
        with queries.counting() as statements:
            result = await api.login(user_name)

        assert result.data["login"]["user"]["profile"]["verified"] is False
        assert len(statements) == 3, statements
        assert _loads_user_with_profile(statements[0]), statements
        assert statements[1].startswith("INSERT") and "sessions" in statements[1], statements
        assert statements[2].startswith("INSERT") and "session_refresh_tokens" in statements[2], statements


async def test_update_user_is_a_fixed_number_of_queries(api: Api, queries: Queries) -> None:
    account = await api.register()

    with queries.counting() as statements:
        result = await api.update_user(account, firstName="John", website="https://john.example")

    assert result.data["updateUser"]["profile"]["website"] == "https://john.example"
    # caller, target by name, UPDATE users, UPDATE user_profiles, the updated user with its profile
    assert len(statements) == 5, statements
    assert [statement.split()[0] for statement in statements] == ["SELECT", "SELECT", "UPDATE", "UPDATE", "SELECT"]
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
