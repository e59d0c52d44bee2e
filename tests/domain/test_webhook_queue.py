"""The webhook queue under concurrency, on every backend: two workers racing (a barrier, many rounds) never
fan one event out twice nor claim one delivery twice; and the clean-up deletes what is finished and old only."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from services.transactions import transaction
from services.webhooks import endpoints, events, queue
from settings import Settings, SettingsError
from tests.support import replace

ROUNDS = 30
PER_ROUND = 4


async def _endpoint(types: list[str], *, created_at: datetime | None = None) -> WebhookEndpoint:
    return await WebhookEndpoint.create(
        url="http://127.0.0.1:9/hooks",
        events=json.dumps(types),
        secret="not-used-here",
        created_at=created_at or datetime.now(UTC) - timedelta(minutes=1),
    )


async def _emit(count: int) -> None:
    async with transaction():
        for number in range(count):
            await events.emit("user.created", {"userId": number})


async def test_two_dispatchers_racing_fan_each_event_out_once(db: str) -> None:
    first = await _endpoint(["user.created"])
    second = await _endpoint(["user.created", "user.deleted"])
    await _endpoint(["user.deleted"])  # hears none of them
    for _ in range(ROUNDS):
        await _emit(PER_ROUND)
        barrier = asyncio.Barrier(2)

        async def dispatcher(barrier: asyncio.Barrier = barrier) -> int:
            await barrier.wait()
            return await queue.dispatch(limit=PER_ROUND)

        taken = await asyncio.gather(dispatcher(), dispatcher())
        assert sum(taken) == PER_ROUND, taken
        assert not await WebhookEvent.filter(dispatched_at=None).exists()

    rows = await WebhookDelivery.all().values_list("event_id", "endpoint_id")
    assert len(rows) == len(set(rows)) == 2 * ROUNDS * PER_ROUND
    assert {endpoint for _, endpoint in rows} == {first.id, second.id}


async def test_two_claimers_racing_never_take_one_delivery_twice(db: str) -> None:
    await _endpoint(["user.created"])
    for _ in range(ROUNDS):
        await _emit(PER_ROUND)
        await queue.dispatch(limit=PER_ROUND)
        barrier = asyncio.Barrier(2)

        async def claimer(barrier: asyncio.Barrier = barrier) -> list[int]:
            await barrier.wait()
            return [delivery.id for delivery in await queue.claim(limit=PER_ROUND, lease_seconds=60)]

        a, b = await asyncio.gather(claimer(), claimer())
        assert not set(a) & set(b), (a, b)
        assert len(a) + len(b) == PER_ROUND
        for delivery in await WebhookDelivery.filter(id__in=a + b):
            assert delivery.attempts == 1
            await queue.delivered(delivery, status_code=204)

    assert await WebhookDelivery.filter(status="delivered").count() == ROUNDS * PER_ROUND


async def test_an_endpoint_created_after_an_event_does_not_get_it(db: str) -> None:
    await _emit(1)
    await _endpoint(["user.created"], created_at=datetime.now(UTC) + timedelta(seconds=1))

    assert await queue.dispatch(limit=10) == 1
    assert await WebhookDelivery.all().count() == 0


async def test_an_event_rolled_back_with_its_change_is_never_delivered(db: str) -> None:
    await _endpoint(["user.created"])

    try:
        async with transaction():
            await events.emit("user.created", {"userId": 1})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass

    assert await queue.dispatch(limit=10) == 0
    assert await WebhookEvent.all().count() == 0


async def test_the_clean_up_deletes_finished_deliveries_and_events_past_their_keeping_time(db: str) -> None:
    endpoint = await _endpoint(["user.created"])
    await _emit(3)
    await queue.dispatch(limit=10)
    delivered, failed, pending = await WebhookDelivery.all().order_by("id")
    await WebhookDelivery.filter(id=delivered.id).update(status="delivered")
    await WebhookDelivery.filter(id=failed.id).update(status="failed")
    later = datetime.now(UTC) + timedelta(days=31)

    kept_today = await queue.prune(keep_days=30)
    pruned = await queue.prune(keep_days=30, now=later)

    assert kept_today == 0
    assert pruned == 4  # two finished deliveries and their two events
    assert await WebhookDelivery.all().values_list("id", flat=True) == [pending.id]
    assert await WebhookEvent.all().values_list("id", flat=True) == [pending.event_id]
    assert await WebhookEndpoint.filter(id=endpoint.id).exists()


async def test_production_without_an_encryption_key_refuses_to_start_once_an_endpoint_exists(
    db: str, settings: Settings
) -> None:
    production = replace(settings, app_env="production", totp_encryption_key=())
    await endpoints.check_configured(settings=production)  # no endpoint yet: nothing to sign

    await _endpoint(["user.created"])

    with pytest.raises(SettingsError, match="TOTP_ENCRYPTION_KEY is not set"):
        await endpoints.check_configured(settings=production)
