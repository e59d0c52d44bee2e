"""Rate limits on login, register and refreshToken, in memory and (with TEST_REDIS_URL) in Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from ipaddress import ip_network

import httpx
import pytest
import redis.asyncio as redis
from starlette.applications import Starlette

from main import create_app
from settings import Settings
from tests.support import PASSWORD, REFRESH, REGISTER, UPDATE_PROFILE, Api, Result, replace

COUNTERS = ["memory"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])
WRONG = "not-the-password"
ROUNDS = 20

ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]


async def _at_once(*calls: Callable[[], Awaitable[Result]]) -> list[Result]:
    """Make the calls at the same moment: each waits at one barrier until all are ready."""
    barrier = asyncio.Barrier(len(calls))

    async def fire(call: Callable[[], Awaitable[Result]]) -> Result:
        await barrier.wait()
        return await call()

    return list(await asyncio.gather(*(fire(call) for call in calls)))


@pytest.fixture(params=COUNTERS)
async def limited(request: pytest.FixtureRequest, db: str, settings: Settings) -> AsyncIterator[Settings]:
    """Settings whose counters live in memory or in Redis (under a prefix of this test's own)."""
    if request.param == "memory":
        yield settings
        return
    async with _redis_counters(settings, os.environ["TEST_REDIS_URL"]) as with_redis:
        yield with_redis


@asynccontextmanager
async def _redis_counters(settings: Settings, url: str) -> AsyncIterator[Settings]:
    """``settings`` counting in Redis under a prefix of this test's own, removed afterwards."""
    prefix = f"test-{uuid.uuid4().hex}:"
    yield replace(settings, redis_url=url, redis_prefix=prefix)
    client = redis.from_url(url)
    async for key in client.scan_iter(f"{prefix}*"):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
async def api_for(db: str) -> AsyncIterator[ApiFactory]:
    """Clients of one app instance per settings object, each seen from its own address.

    Apps are kept per settings, so clients from several addresses share one instance's counters
    (a second instance only shares them through Redis).
    """
    apps: dict[int, Starlette] = {}

    @asynccontextmanager
    async def open_api(settings: Settings, address: str = "127.0.0.1", **headers: str) -> AsyncIterator[Api]:
        app = apps.setdefault(id(settings), create_app(settings))
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as client:
            yield Api(client, backend=db)

    yield open_api
    for app in apps.values():
        await app.state.throttle.counters.close()


async def test_five_failures_then_even_the_right_password_waits(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited) as api:
        await api.register()
        failures = [await api.login("john_doe", WRONG) for _ in range(5)]

        throttled = await api.login("john_doe", PASSWORD)

    assert {f.code for f in failures} == {"UNAUTHENTICATED"}
    assert throttled.code == "TOO_MANY_REQUESTS"
    assert 0 < throttled.error["extensions"]["retryAfter"] <= limited.login_window


async def test_the_same_account_from_another_address_is_not_locked_out(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited, "203.0.113.1") as attacker:
        await attacker.register()
        for _ in range(6):
            await attacker.login("john_doe", WRONG)
        assert (await attacker.login("john_doe")).code == "TOO_MANY_REQUESTS"

    async with api_for(limited, "198.51.100.7") as owner:
        assert not (await owner.login("john_doe")).errors


async def test_aliased_logins_cannot_multiply_guesses(limited: Settings, api_for: ApiFactory) -> None:
    """Mutations run one after another and a failed login (non-null) ends the document, so
    100 aliased guesses are one counted guess, not 100 free ones."""
    fields = " ".join(f'a{i}: login(userName: "john_doe", password: "{WRONG}{i}") {{ accessToken }}' for i in range(10))
    async with api_for(limited) as api:
        await api.register()

        documents = [await api.execute(f"mutation {{ {fields} }}") for _ in range(6)]

    assert [[e["extensions"]["code"] for e in d.errors] for d in documents] == [["UNAUTHENTICATED"]] * 5 + [
        ["TOO_MANY_REQUESTS"]
    ]


async def test_a_success_clears_the_failures_of_that_address(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited) as api:
        await api.register()
        for _ in range(4):
            await api.login("john_doe", WRONG)
        assert not (await api.login("john_doe")).errors
        for _ in range(4):
            await api.login("john_doe", WRONG)

        assert not (await api.login("john_doe")).errors


async def test_logins_sent_at_once_are_evaluated_no_more_than_the_limit(limited: Settings, api_for: ApiFactory) -> None:
    """Twenty logins to one account from one address, released together (19 wrong, the 20th right).

    The rule: at most LOGIN_MAX_FAILURES failures are evaluated in a window, and a success clears the
    count. So if the right password was refused, at most LOGIN_MAX_FAILURES were evaluated; if it got
    in, fewer than that before it and at most that many after it.
    """
    limit = limited.login_max_failures
    spread = replace(limited, register_max_per_address=ROUNDS)
    async with api_for(spread) as api:
        for round_ in range(ROUNDS):
            await api.register(f"user{round_}")
    for round_ in range(ROUNDS):
        async with api_for(spread, f"198.51.100.{round_ + 1}") as api:
            results = await _at_once(
                *(partial(api.login, f"user{round_}", WRONG if i < 19 else PASSWORD) for i in range(20))
            )

        codes = [r.code if r.errors else "OK" for r in results]
        assert set(codes) <= {"UNAUTHENTICATED", "OK", "TOO_MANY_REQUESTS"}, codes
        wrong_evaluated = codes.count("UNAUTHENTICATED")
        assert wrong_evaluated <= (2 * limit - 1 if codes[19] == "OK" else limit), (round_, codes)
        waiting = [r for r in results if r.errors and r.code == "TOO_MANY_REQUESTS"]
        assert len(waiting) >= 20 - 2 * limit
        assert all(0 < r.error["extensions"]["retryAfter"] <= limited.login_window for r in waiting)


async def test_wrong_logins_sent_at_once_never_pass_the_limit(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited) as api:
        await api.register()
        for round_ in range(ROUNDS):
            codes = [r.code for r in await _at_once(*(partial(api.login, "john_doe", WRONG) for _ in range(20)))]

            assert codes.count("UNAUTHENTICATED") == (limited.login_max_failures if round_ == 0 else 0), codes
            assert (await api.login("john_doe")).code == "TOO_MANY_REQUESTS"


async def test_the_account_is_counted_whether_its_name_or_email_was_typed(
    limited: Settings, api_for: ApiFactory
) -> None:
    async with api_for(limited) as api:
        await api.register(email="john@example.com")
        by_name = [await api.login("john_doe", WRONG) for _ in range(3)]
        by_email = [await api.login("JOHN@example.com", WRONG) for _ in range(2)]

        after_five = [await api.login(typed, PASSWORD) for typed in ("john@example.com", "John_Doe")]

    assert {r.code for r in by_name + by_email} == {"UNAUTHENTICATED"}
    assert [r.code for r in after_five] == ["TOO_MANY_REQUESTS"] * 2


async def test_five_wrong_by_name_then_more_by_email_are_throttled(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited) as api:
        await api.register(email="john@example.com")
        by_name = [await api.login("john_doe", WRONG) for _ in range(5)]
        by_email = [await api.login("john@example.com", WRONG) for _ in range(5)]

    assert {r.code for r in by_name} == {"UNAUTHENTICATED"}
    assert {r.code for r in by_email} == {"TOO_MANY_REQUESTS"}


async def test_names_no_account_holds_are_counted_as_typed(limited: Settings, api_for: ApiFactory) -> None:
    """Unknown names and emails are counted apart, so the counts tell nothing about who exists."""
    async with api_for(limited) as api:
        for _ in range(5):
            await api.login("nobody", WRONG)

        other = await api.login("nobody@example.com", WRONG)

    assert other.code == "UNAUTHENTICATED"


async def test_one_address_guessing_many_accounts_is_throttled(limited: Settings, api_for: ApiFactory) -> None:
    tight = replace(limited, login_max_failures_per_address=3)
    async with api_for(tight) as api:
        results = [await api.login(f"user{i}", WRONG) for i in range(4)]

    assert [r.code for r in results] == ["UNAUTHENTICATED"] * 3 + ["TOO_MANY_REQUESTS"]


async def test_many_addresses_guessing_one_account_are_throttled(limited: Settings, api_for: ApiFactory) -> None:
    tight = replace(limited, login_max_failures_per_account=3)
    codes = []
    for i in range(4):  # one instance, four client addresses
        async with api_for(tight, f"192.0.2.{i + 1}") as api:
            codes.append((await api.login("john_doe", WRONG)).code)

    assert codes == ["UNAUTHENTICATED"] * 3 + ["TOO_MANY_REQUESTS"]


async def test_unknown_accounts_are_counted_like_known_ones(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited) as api:
        for _ in range(5):
            await api.login("nobody", WRONG)

        assert (await api.login("nobody", WRONG)).code == "TOO_MANY_REQUESTS"


async def test_registrations_are_limited_per_address(limited: Settings, api_for: ApiFactory) -> None:
    tight = replace(limited, register_max_per_address=2)
    async with api_for(tight) as api:
        results = [
            await api.execute(REGISTER, {"input": {"userName": f"user{i}", "password": PASSWORD}}) for i in range(3)
        ]

    assert [r.errors == [] for r in results] == [True, True, False]
    assert results[2].code == "TOO_MANY_REQUESTS"


async def test_refreshes_are_limited_per_address(limited: Settings, api_for: ApiFactory) -> None:
    tight = replace(limited, refresh_max_per_address=2)
    async with api_for(tight) as api:
        account = await api.register()
        token = account.refresh_token
        codes = []
        for _ in range(3):
            result = await api.execute(REFRESH, {"refreshToken": token})
            codes.append(result.code if result.errors else "OK")
            token = result.data["refreshToken"]["refreshToken"] if not result.errors else token

    assert codes == ["OK", "OK", "TOO_MANY_REQUESTS"]


async def test_rate_limit_can_be_switched_off(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(replace(limited, rate_limit_enabled=False)) as api:
        await api.register()
        codes = {(await api.login("john_doe", WRONG)).code for _ in range(8)}

        assert codes == {"UNAUTHENTICATED"}
        assert not (await api.login("john_doe")).errors


async def test_forwarded_for_is_believed_only_from_trusted_proxies(limited: Settings, api_for: ApiFactory) -> None:
    behind_proxy = replace(limited, trusted_proxies=(ip_network("10.0.0.0/8"),))
    async with api_for(behind_proxy, "10.0.0.2", **{"X-Forwarded-For": "203.0.113.9"}) as attacker:
        await attacker.register()
        for _ in range(5):
            await attacker.login("john_doe", WRONG)
        assert (await attacker.login("john_doe")).code == "TOO_MANY_REQUESTS"
    async with api_for(behind_proxy, "10.0.0.2", **{"X-Forwarded-For": "198.51.100.4"}) as owner:
        assert not (await owner.login("john_doe")).errors  # another client behind the same proxy

    # Not from a trusted proxy: the header is the client's own claim and is ignored.
    async with api_for(limited, "203.0.113.50", **{"X-Forwarded-For": "203.0.113.9"}) as spoofer:
        for _ in range(5):
            await spoofer.login("jane", WRONG)
    async with api_for(limited, "203.0.113.50", **{"X-Forwarded-For": "198.51.100.99"}) as same_peer:
        assert (await same_peer.login("jane", WRONG)).code == "TOO_MANY_REQUESTS"


async def _register_taken(api: Api, count: int) -> None:
    for i in range(count):
        await api.register(f"owner{i}", email=f"taken{i}@example.com", phoneNumber=f"+1650253{i:04d}")


async def test_probing_taken_emails_with_update_profile_is_throttled(limited: Settings, api_for: ApiFactory) -> None:
    async with api_for(limited) as api:
        await _register_taken(api, limited.conflict_max_per_account + 1)
        prober = await api.register(email="prober@example.com")
        probes = [
            await api.execute(UPDATE_PROFILE, {"input": {"email": f"taken{i}@example.com"}}, token=prober.token)
            for i in range(limited.conflict_max_per_account + 1)
        ]
        free = await api.execute(UPDATE_PROFILE, {"input": {"email": "free@example.com"}}, token=prober.token)
        other_change = await api.execute(UPDATE_PROFILE, {"input": {"bio": "still here"}}, token=prober.token)

    assert [p.code for p in probes] == ["CONFLICT"] * limited.conflict_max_per_account + ["TOO_MANY_REQUESTS"]
    assert 0 < probes[-1].error["extensions"]["retryAfter"] <= limited.conflict_window
    assert free.code == "TOO_MANY_REQUESTS"  # refused before it is known whether the value is taken
    assert not other_change.errors  # changes of no unique field are not throttled


async def test_probing_taken_names_and_phones_with_update_user_is_throttled_per_address(
    limited: Settings, api_for: ApiFactory
) -> None:
    """Several accounts from one address share its count: the second prober is refused where the first stopped."""
    tight = replace(limited, conflict_max_per_address=4)
    async with api_for(tight) as api:
        await _register_taken(api, 4)
        first, second = await api.register("prober_one"), await api.register("prober_two")
        codes = [(await api.update_user(first, userName=f"owner{i}")).code for i in range(2)]
        codes += [(await api.update_user(second, phoneNumber=f"+1650253{i:04d}")).code for i in range(2, 5)]

    assert codes == ["CONFLICT"] * 4 + ["TOO_MANY_REQUESTS"]


async def test_changes_that_go_through_do_not_count_as_probes(limited: Settings, api_for: ApiFactory) -> None:
    tight = replace(limited, conflict_max_per_account=2)
    async with api_for(tight) as api:
        account = await api.register(email="first@example.com")
        results = [
            await api.execute(UPDATE_PROFILE, {"input": {"email": f"new{i}@example.com"}}, token=account.token)
            for i in range(5)
        ]

    assert [r.errors for r in results] == [[]] * 5


async def test_concurrent_probes_get_no_more_conflict_answers_than_the_limit(
    limited: Settings, api_for: ApiFactory
) -> None:
    tight = replace(limited, conflict_max_per_account=3)
    async with api_for(tight) as api:
        await _register_taken(api, 1)
        prober = await api.register(email="prober@example.com")
        probe = partial(api.execute, UPDATE_PROFILE, {"input": {"email": "taken0@example.com"}}, token=prober.token)

        codes = sorted(r.code for r in await _at_once(*[probe] * 10))

    assert codes == ["CONFLICT"] * 3 + ["TOO_MANY_REQUESTS"] * 7


@pytest.fixture
async def redis_settings(db: str, settings: Settings) -> AsyncIterator[Settings]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set; .ci/run sets it")
    async with _redis_counters(settings, url) as with_redis:
        yield with_redis


async def test_two_instances_share_counts_through_redis(redis_settings: Settings, api_for: ApiFactory) -> None:
    twin = replace(redis_settings)  # an equal but separate settings object: a second app instance
    async with api_for(redis_settings) as first, api_for(twin) as second:
        await first.register()
        for i in range(5):
            await (first if i % 2 else second).login("john_doe", WRONG)

        assert (await first.login("john_doe")).code == "TOO_MANY_REQUESTS"
        assert (await second.login("john_doe")).code == "TOO_MANY_REQUESTS"
