"""Where the databases differ, a user sees the same answer on each (the suite runs on every backend).

PostgreSQL refuses NUL bytes in text, MariaDB compares strings ignoring case and accents by default,
and each reports unique violations its own way.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from tortoise.context import TortoiseContext

import database
from tests.support import DELETE_USER, PASSWORD, REGISTER, USER, Api

NUL = "\x00"
SERVER_VARIABLES = {"postgres": "TEST_POSTGRES_URL", "mysql": "TEST_MYSQL_URL"}


@pytest.mark.parametrize(
    ("user_name", "field"),
    [("john" + NUL, "userName"), ("john" + NUL + "@example.com", "userName")],
    ids=["name", "email"],
)
async def test_login_with_a_nul_byte_is_bad_user_input(api: Api, user_name: str, field: str) -> None:
    await api.register("john", email="john@example.com")

    result = await api.login(user_name)

    assert (result.code, result.field) == ("BAD_USER_INPUT", field)


async def test_looking_up_a_name_with_a_nul_byte_is_bad_user_input(api: Api) -> None:
    account = await api.register("john")

    result = await api.execute(USER, {"userName": "john" + NUL}, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "userName")


@pytest.mark.parametrize("operation", ["update", "delete"])
async def test_acting_on_a_name_with_a_nul_byte_is_bad_user_input(api: Api, operation: str) -> None:
    account = await api.register("john")

    if operation == "update":
        result = await api.update_user(account, user_name="john" + NUL, bio="x")
    else:
        result = await api.execute(DELETE_USER, {"userName": "john" + NUL}, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "userName")
    assert (await api.me(account.token)).data["me"]["bio"] is None


async def test_emails_differing_only_in_accents_belong_to_different_users(api: Api) -> None:
    # MariaDB's default collation would call these equal; a mailbox is not its neighbour's.
    accented = await api.register("mueller", email="müller@example.com")
    plain = await api.register("muller", email="muller@example.com")

    assert accented.user["email"] == "müller@example.com" and plain.user["email"] == "muller@example.com"
    assert (await api.login("muller@example.com")).data["login"]["user"]["userName"] == "muller"
    assert (await api.login("müller@example.com")).data["login"]["user"]["userName"] == "mueller"


async def test_an_email_differing_only_in_case_is_taken(api: Api) -> None:
    await api.register("mueller", email="müller@example.com")

    result = await api.execute(
        REGISTER, {"input": {"userName": "other", "password": PASSWORD, "email": "MÜLLER@example.com"}}
    )

    assert (result.code, result.field) == ("CONFLICT", "email")


async def test_a_user_name_with_trailing_space_is_not_another_users_name(api: Api) -> None:
    # MariaDB pads with spaces when comparing; user names cannot hold spaces, so it never matters.
    account = await api.register("john")

    result = await api.execute(USER, {"userName": "john "}, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "userName")


async def test_racing_registrations_of_one_email_report_the_email(api: Api) -> None:
    # The database's unique index decides the race; its error is mapped to the field on every backend.
    variables = [
        {"input": {"userName": f"racer{i}", "password": PASSWORD, "email": f"Racer@Example.com{' ' * (i % 2)}"}}
        for i in range(6)
    ]

    results = await asyncio.gather(*(api.execute(REGISTER, v) for v in variables))

    assert len([r for r in results if not r.errors]) == 1
    assert {(r.code, r.field) for r in results if r.errors} == {("CONFLICT", "email")}


SERVERS = {name: os.environ[variable] for name, variable in SERVER_VARIABLES.items() if os.environ.get(variable)}


@pytest.mark.parametrize("backend", list(SERVERS))
async def test_pool_size_and_timeouts_come_from_the_url(backend: str) -> None:
    query = "minsize=2&maxsize=7&timeout=5" if backend == "postgres" else "minsize=2&maxsize=7&connect_timeout=5"
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(f"{SERVERS[backend]}?{query}"))
        await database.check_reachable()
        pool: Any = getattr(ctx.db(), "_pool", None)

        sizes = (pool.get_min_size(), pool.get_max_size()) if backend == "postgres" else (pool.minsize, pool.maxsize)

    assert sizes == (2, 7)
