"""Deactivation and restore by signing in; suspension by an admin; the purge after the restore window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from main import create_app
from models import Follow, SecurityEvent, Session, User
from services import maintenance
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import DELETE_USER, PASSWORD, REFRESH, Account, Api, replace
from tests.support.social import (
    DIRECTORY,
    FOLLOWERS,
    FOLLOWING,
    MAKE_PRIVATE,
    act,
    counts,
    follow,
    names,
    person,
    rows_agree_with_counters,
)

DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SUSPEND = """
mutation Suspend($userName: String!, $reason: String!) {
  suspendUser(userName: $userName, reason: $reason) { userName }
}"""
UNSUSPEND = "mutation Unsuspend($userName: String!) { unsuspendUser(userName: $userName) { userName } }"
EVENT_KINDS = "{ securityEvents(first: 100) { edges { node { kind } } } }"
SECOND = 1 / 86400  # of a day


async def _admin(api: Api) -> Account:
    account = await api.register("admin")
    await User.filter(user_name_key="admin").update(is_admin=True)  # as `python main.py create-admin` does
    return account


async def _kinds(api: Api, token: str) -> list[str]:
    result = await api.execute(EVENT_KINDS, token=token)
    return [edge["node"]["kind"] for edge in result.data["securityEvents"]["edges"]]


async def _deactivate(api: Api, account: Account) -> None:
    result = await api.execute(DEACTIVATE, {"password": account.password}, token=account.token)
    assert result.body == {"data": {"deactivateAccount": True}}, result.body


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Twenty sign-ins of one account at once: the login throttle is not under test here.
    return Settings(
        app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4, rate_limit_enabled=False
    )


@pytest.fixture
async def people(api: Api) -> dict[str, Account]:
    """john follows ann and bob; ann and bob follow john; carol looks on."""
    accounts = {name: await api.register(name) for name in ("john", "ann", "bob", "carol")}
    for a, b in (("john", "ann"), ("john", "bob"), ("ann", "john"), ("bob", "john")):
        assert await follow(api, accounts[a], b) == "FOLLOWING"
    return accounts


# Deactivation


async def test_deactivation_ends_every_session_at_once(api: Api) -> None:
    john = await api.register("john")
    other = (await api.login("john")).data["login"]

    await _deactivate(api, john)

    for token in (john.token, other["accessToken"]):
        assert (await api.me(token)).code == "UNAUTHENTICATED"
    assert (await api.execute(REFRESH, {"refreshToken": other["refreshToken"]})).code == "UNAUTHENTICATED"
    assert (await User.get(user_name_key="john")).account_deleted is True


async def test_deactivation_needs_the_right_password_and_a_token(api: Api) -> None:
    john = await api.register("john")

    wrong = await api.execute(DEACTIVATE, {"password": "not-the-password"}, token=john.token)

    assert (wrong.code, wrong.field) == ("BAD_USER_INPUT", "password")
    assert (await api.me(john.token)).data["me"]["accountDeleted"] is False
    assert (await api.execute(DEACTIVATE, {"password": PASSWORD})).code == "UNAUTHENTICATED"


async def test_a_deactivated_account_is_hidden_everywhere_and_out_of_the_counts(
    api: Api, people: dict[str, Account]
) -> None:
    carol = people["carol"]
    assert await counts(api, carol, "ann") == (1, 1)

    await _deactivate(api, people["john"])

    assert await person(api, carol, "john") is None
    assert await names(api, DIRECTORY, carol, query="jo") == []
    for user_name in ("ann", "bob"):
        assert await counts(api, carol, user_name) == (0, 0)
        assert await names(api, FOLLOWERS, carol, userName=user_name) == []
        assert await names(api, FOLLOWING, carol, userName=user_name) == []
    assert (
        await act(api, "mutation($userName: String!) { follow(userName: $userName) { status } }", carol, "john")
    ).code == "NOT_FOUND"
    assert await rows_agree_with_counters(api.backend) == []


async def test_signing_in_within_the_window_restores_the_account_and_its_counts(
    api: Api, people: dict[str, Account]
) -> None:
    carol = people["carol"]
    await _deactivate(api, people["john"])

    login = await api.login("john")

    assert not login.errors, login.body
    assert login.data["login"]["user"]["accountDeleted"] is False
    token = login.data["login"]["accessToken"]
    assert (await api.me(token)).data["me"]["accountDeleted"] is False
    assert (await person(api, carol, "john")) is not None
    assert await counts(api, carol, "john") == (2, 2)
    assert await counts(api, carol, "ann") == (1, 1)
    assert await names(api, FOLLOWERS, carol, userName="ann") == ["john"]
    assert (await _kinds(api, token))[:3] == ["LOGIN", "ACCOUNT_RESTORED", "ACCOUNT_DEACTIVATED"]
    assert await rows_agree_with_counters(api.backend) == []


async def test_a_wrong_password_does_not_restore(api: Api) -> None:
    john = await api.register("john")
    await _deactivate(api, john)

    assert (await api.login("john", "not-the-password")).code == "UNAUTHENTICATED"

    assert (await User.get(user_name_key="john")).account_deleted is True


async def test_the_name_and_email_stay_taken_while_deactivated(api: Api) -> None:
    john = await api.register("john", email="john@example.com")
    await _deactivate(api, john)

    for fields in ({"userName": "John"}, {"userName": "other", "email": "JOHN@example.com"}):
        result = await api.execute(
            "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
            {"i": {"password": PASSWORD, **fields}},
        )
        assert result.code == "CONFLICT", result.body


async def test_twenty_racing_sign_ins_restore_once(api: Api, people: dict[str, Account]) -> None:
    for _ in range(3 if api.backend == "sqlite" else 5):
        await _deactivate(api, people["john"])
        barrier = asyncio.Barrier(20)

        async def sign_in(barrier: asyncio.Barrier = barrier) -> str:
            await barrier.wait()
            result = await api.login("john")
            assert not result.errors, result.body
            return str(result.data["login"]["accessToken"])

        tokens = await asyncio.gather(*(sign_in() for _ in range(20)))
        people["john"] = Account(token=tokens[0], user=people["john"].user, password=PASSWORD)
        assert await counts(api, people["carol"], "ann") == (1, 1)
    assert await rows_agree_with_counters(api.backend) == []
    restored = await SecurityEvent.filter(kind="ACCOUNT_RESTORED").count()
    assert restored == (3 if api.backend == "sqlite" else 5)


# The purge after the restore window


@pytest.fixture
async def short_window(db: str, settings: Settings) -> AsyncIterator[tuple[Api, Settings]]:
    short = replace(settings, account_restore_days=2 * SECOND)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(short)), base_url="http://t") as client:
        yield Api(client, backend=db), short


async def test_after_the_window_login_fails_and_the_purge_deletes_everything_of_the_account(
    short_window: tuple[Api, Settings],
) -> None:
    api, short = short_window
    john = await api.register("john")
    ann = await api.register("ann")
    assert await follow(api, john, "ann") == "FOLLOWING"
    assert await follow(api, ann, "john") == "FOLLOWING"
    await _deactivate(api, john)
    assert (await maintenance.run_once(short)).accounts == 0  # still within the window

    await asyncio.sleep(2.5 * SECOND * 86400)

    assert (await api.login("john")).code == "UNAUTHENTICATED"
    assert (await maintenance.run_once(short)).accounts == 1
    john_id = int(john.user["userID"])
    assert await User.filter(id=john_id).count() == 0
    assert await Session.filter(user_id=john_id).count() == 0
    assert await SecurityEvent.filter(user_id=john_id).count() == 0
    assert await Follow.all().count() == 0
    assert await counts(api, ann, "ann") == (0, 0)
    assert (await maintenance.run_once(short)).accounts == 0
    assert await rows_agree_with_counters(api.backend) == []
    assert not (await api.login("ann")).errors


async def test_two_purges_at_once_delete_each_account_once(short_window: tuple[Api, Settings]) -> None:
    api, short = short_window
    accounts = [await api.register(f"user{n}") for n in range(4)]
    for account in accounts:
        await _deactivate(api, account)
    await asyncio.sleep(2.5 * SECOND * 86400)

    results = await asyncio.gather(maintenance.run_once(short), maintenance.run_once(short))

    assert sum(result.accounts for result in results) == 4
    assert await User.all().count() == 0


# Suspension


async def test_suspension_ends_sessions_and_login_answers_forbidden_with_a_reason(
    api: Api, people: dict[str, Account]
) -> None:
    admin = await _admin(api)
    john = people["john"]

    result = await api.execute(SUSPEND, {"userName": "john", "reason": "spam reports"}, token=admin.token)

    assert result.body == {"data": {"suspendUser": {"userName": "john"}}}
    assert (await api.me(john.token)).code == "UNAUTHENTICATED"
    assert (await api.execute(REFRESH, {"refreshToken": john.refresh_token})).code == "UNAUTHENTICATED"
    login = await api.login("john")
    assert login.code == "FORBIDDEN"
    assert login.error["extensions"] == {"code": "FORBIDDEN", "reason": "ACCOUNT_SUSPENDED"}
    assert "spam" not in str(login.body)
    assert (await api.login("john", "a-wrong-password")).code == "UNAUTHENTICATED"  # tells nothing


async def test_a_suspended_account_is_hidden_from_everyone_but_admins(api: Api, people: dict[str, Account]) -> None:
    admin = await _admin(api)
    carol = people["carol"]
    await api.execute(SUSPEND, {"userName": "john", "reason": "spam"}, token=admin.token)

    assert await person(api, carol, "john") is None
    assert await names(api, DIRECTORY, carol, query="jo") == []
    assert await counts(api, carol, "ann") == (0, 0)
    assert await names(api, FOLLOWERS, carol, userName="ann") == []
    assert (await person(api, admin, "john")) is not None
    assert await rows_agree_with_counters(api.backend) == []


async def test_unsuspend_lets_the_user_in_and_counts_it_again(api: Api, people: dict[str, Account]) -> None:
    admin = await _admin(api)
    carol = people["carol"]
    await api.execute(SUSPEND, {"userName": "john", "reason": "spam"}, token=admin.token)

    result = await api.execute(UNSUSPEND, {"userName": "john"}, token=admin.token)

    assert result.body == {"data": {"unsuspendUser": {"userName": "john"}}}
    assert not (await api.login("john")).errors
    assert await counts(api, carol, "ann") == (1, 1)
    assert await counts(api, carol, "john") == (2, 2)
    assert await rows_agree_with_counters(api.backend) == []


async def test_suspending_a_deactivated_account_and_lifting_it_keeps_it_hidden(
    api: Api, people: dict[str, Account]
) -> None:
    admin = await _admin(api)
    carol = people["carol"]
    await _deactivate(api, people["john"])

    await api.execute(SUSPEND, {"userName": "john", "reason": "spam"}, token=admin.token)
    await api.execute(UNSUSPEND, {"userName": "john"}, token=admin.token)

    assert await person(api, carol, "john") is None
    assert await counts(api, carol, "ann") == (0, 0)
    assert not (await api.login("john")).errors  # restores it
    assert await counts(api, carol, "ann") == (1, 1)
    assert await rows_agree_with_counters(api.backend) == []


async def test_only_admins_suspend_and_the_input_is_checked(api: Api) -> None:
    admin = await _admin(api)
    john = await api.register("john")

    assert (await api.execute(SUSPEND, {"userName": "admin", "reason": "x"}, token=john.token)).code == "FORBIDDEN"
    assert (await api.execute(UNSUSPEND, {"userName": "john"}, token=john.token)).code == "FORBIDDEN"
    missing = await api.execute(SUSPEND, {"userName": "nobody", "reason": "x"}, token=admin.token)
    assert (missing.code, missing.field) == ("NOT_FOUND", "userName")
    for reason in ("", "   ", "x" * 501):
        empty = await api.execute(SUSPEND, {"userName": "john", "reason": reason}, token=admin.token)
        assert (empty.code, empty.field) == ("BAD_USER_INPUT", "reason"), empty.body
    own = await api.execute(SUSPEND, {"userName": "admin", "reason": "x"}, token=admin.token)
    assert (own.code, own.field) == ("BAD_USER_INPUT", "userName")
    assert (await api.execute(SUSPEND, {"userName": "john", "reason": "x"})).code == "UNAUTHENTICATED"
    assert not (await api.me(john.token)).errors


async def test_hard_delete_of_a_hidden_account_keeps_everyone_elses_counts_true(
    api: Api, people: dict[str, Account]
) -> None:
    admin = await _admin(api)
    await api.execute(SUSPEND, {"userName": "john", "reason": "spam"}, token=admin.token)

    result = await api.execute(DELETE_USER, {"userName": "john"}, token=admin.token)

    assert not result.errors, result.body
    assert await counts(api, people["carol"], "ann") == (0, 0)
    assert await rows_agree_with_counters(api.backend) == []


async def test_pending_requests_of_a_hidden_user_count_only_when_it_returns(
    api: Api, people: dict[str, Account]
) -> None:
    carol = people["carol"]
    assert (await api.execute(MAKE_PRIVATE, {"on": True}, token=carol.token)).errors == []
    assert await follow(api, people["bob"], "carol") == "REQUESTED"
    await _deactivate(api, people["bob"])

    await api.execute(MAKE_PRIVATE, {"on": False}, token=carol.token)  # approves every request

    assert await counts(api, carol, "carol") == (0, 0)
    assert not (await api.login("bob")).errors
    assert await counts(api, carol, "carol") == (1, 0)
    assert await rows_agree_with_counters(api.backend) == []


async def test_follows_racing_a_deactivation_and_a_restore_leave_every_count_true(api: Api) -> None:
    john = await api.register("john")
    others = [await api.register(f"fan{n}") for n in range(4)]
    follow_or_unfollow = "mutation($userName: String!) { follow(userName: $userName) { status } }"
    unfollow = "mutation($userName: String!) { unfollow(userName: $userName) { userName } }"
    for round_ in range(20):
        barrier = asyncio.Barrier(len(others) + 1)

        async def hide(barrier: asyncio.Barrier = barrier, john: Account = john) -> None:
            await barrier.wait()
            await _deactivate(api, john)

        async def act_on_john(fan: Account, barrier: asyncio.Barrier = barrier, round_: int = round_) -> None:
            await barrier.wait()
            result = await act(api, unfollow if round_ % 3 == 2 else follow_or_unfollow, fan, "john")
            assert not result.errors or result.code == "NOT_FOUND", result.body  # hidden: as if unknown

        await asyncio.gather(hide(), *(act_on_john(fan) for fan in others))
        assert await rows_agree_with_counters(api.backend) == [], round_
        login = await api.login("john")
        assert not login.errors, login.body
        john = Account(token=login.data["login"]["accessToken"], user=john.user, password=PASSWORD)
        assert await rows_agree_with_counters(api.backend) == [], round_
