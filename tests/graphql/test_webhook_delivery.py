"""Webhook delivery to a real receiver on loopback: every delivery verified with the standardwebhooks library,
retried with the same webhook-id until a 2xx, failed after the last try, replayable; no redirect followed, a
slow receiver timed out, a long answer cut short, a disabled endpoint left alone, internal addresses refused
in production at delivery time; and /metrics shows the queue."""

from __future__ import annotations

import asyncio
import time
from ipaddress import ip_network
from typing import Any

from cryptography.fernet import Fernet

from models import WebhookDelivery, WebhookEvent
from services.webhooks import worker
from settings import Settings
from tests.graphql.test_metrics import scrape, value
from tests.support import replace
from tests.support.mail import until
from tests.support.webhooks import Hooks, Reply, hooks_for

REPLAY = "mutation Replay($id: ID!) { replayWebhookDelivery(id: $id) { id webhookId status attempts } }"
SET_ENABLED = (
    "mutation SetEnabled($id: ID!, $enabled: Boolean!) { setWebhookEndpointEnabled(id: $id, enabled: $enabled) { id } }"
)
QUIET_SECONDS = 1.5  # longer than the worker's poll and retry waits here: what has not come by then will not


async def _settled(hooks: Hooks) -> None:
    """Wait until every event is fanned out and no delivery waits (so one that has not come will not)."""

    async def settled() -> bool:
        undispatched = await WebhookEvent.filter(dispatched_at=None).exists()
        return not undispatched and not await WebhookDelivery.filter(status="pending").exists()

    await until(settled)


async def _until_status(hooks: Hooks, status: str, **variables: Any) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def reached() -> bool:
        nonlocal found
        found = [d for d in await hooks.deliveries(**variables) if d["status"] == status]
        return bool(found)

    await until(reached)
    return found[0]


async def test_a_registration_reaches_the_receiver_signed(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings) as hooks:  # root registered before the endpoint: not delivered
        endpoint_id, secret = await hooks.create(["user.created"])
        ann = await hooks.api.register("ann")
        ann_id = (await hooks.api.execute("{ me { id } }", token=ann.token)).data["me"]["id"]
        [received] = await hooks.receiver.wait_for(1)
        delivered = await _until_status(hooks, "DELIVERED", endpointId=endpoint_id)
        await asyncio.sleep(QUIET_SECONDS)

    payload = received.verified(secret)
    assert payload["type"] == "user.created"
    assert payload["data"] == {"user": {"id": ann_id, "userName": "ann"}}
    assert payload["timestamp"].endswith("Z")
    assert received.headers["content-type"] == "application/json"
    assert received.path == "/hooks"
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    assert delivered["webhookId"] == received.headers["webhook-id"] and delivered["webhookId"].startswith("msg_")
    assert (delivered["eventType"], delivered["attempts"], delivered["lastStatusCode"]) == ("user.created", 1, 204)
    assert delivered["deliveredAt"] is not None and delivered["nextAttemptAt"] is None
    assert len(hooks.receiver.received) == 1  # root's own registration came before the endpoint


async def test_a_receiver_failing_twice_gets_the_event_once_more_with_the_same_id(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings) as hooks:
        hooks.receiver.reply = lambda n: Reply(status=500 if n < 2 else 200, body=b"oops" if n < 2 else b"ok")
        _, secret = await hooks.create(["user.created"])
        await hooks.api.register("ann")
        received = await hooks.receiver.wait_for(3)
        await _settled(hooks)
        await asyncio.sleep(QUIET_SECONDS)
        [delivery] = await hooks.deliveries()

    assert len(hooks.receiver.received) == 3  # two failures, one success, nothing after it
    assert len({r.headers["webhook-id"] for r in received}) == 1
    assert all(r.verified(secret)["data"]["user"]["userName"] == "ann" for r in received)
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == ("DELIVERED", 3, 200)
    assert delivery["lastError"] is None


async def test_the_last_failed_try_fails_the_delivery_and_a_replay_sends_it_again(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings, webhook_retry_seconds=(0, 0)) as hooks:
        hooks.receiver.reply = lambda n: Reply(status=503, body=b"secret-looking body " * 10)
        _, secret = await hooks.create(["user.created"])
        await hooks.api.register("ann")
        failed = await _until_status(hooks, "FAILED")
        await asyncio.sleep(QUIET_SECONDS)
        tries = len(hooks.receiver.received)

        hooks.receiver.reply = lambda n: Reply(status=204)
        replayed = await hooks.api.execute(REPLAY, {"id": failed["id"]}, token=hooks.admin.token)
        await hooks.receiver.wait_for(4)
        delivered = await _until_status(hooks, "DELIVERED")
        again = await hooks.api.execute(REPLAY, {"id": failed["id"]}, token=hooks.admin.token)  # a lost one
        await hooks.receiver.wait_for(5)
        await _settled(hooks)

    assert tries == 3  # the first try and the two retries of WEBHOOK_RETRY_SECONDS
    assert (failed["attempts"], failed["lastStatusCode"], failed["lastError"]) == (3, 503, "HTTP 503")
    assert failed["nextAttemptAt"] is None
    assert replayed.data["replayWebhookDelivery"]["webhookId"] == failed["webhookId"]
    assert again.data["replayWebhookDelivery"]["status"] in ("PENDING", "DELIVERED")
    assert (delivered["attempts"], delivered["lastStatusCode"]) == (1, 204)
    assert {r.headers["webhook-id"] for r in hooks.receiver.received} == {failed["webhookId"]}
    assert all(r.verified(secret)["type"] == "user.created" for r in hooks.receiver.received)


async def test_a_redirect_is_not_followed_but_counted_a_failure(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings, webhook_retry_seconds=(3600,)) as hooks:
        hooks.receiver.reply = lambda n: Reply(status=307, headers={"location": "/elsewhere"})
        await hooks.create(["user.created"])
        await hooks.api.register("ann")
        await hooks.receiver.wait_for(1)

        async def retried_later() -> bool:
            found = await hooks.deliveries()
            return bool(found) and found[0]["lastStatusCode"] == 307

        await until(retried_later)
        await asyncio.sleep(QUIET_SECONDS)
        [delivery] = await hooks.deliveries()

    assert [r.path for r in hooks.receiver.received] == ["/hooks"]
    assert delivery["status"] == "PENDING" and "redirects are not followed" in delivery["lastError"]


async def test_a_slow_receiver_times_out(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings, webhook_read_timeout=0.5, webhook_retry_seconds=(3600,)) as hooks:
        hooks.receiver.reply = lambda n: Reply(status=204, delay=5)
        await hooks.create(["user.created"])
        started = time.monotonic()
        await hooks.api.register("ann")

        async def timed_out() -> bool:
            found = await hooks.deliveries()
            return bool(found) and found[0]["lastError"] is not None

        await until(timed_out)
        waited = time.monotonic() - started
        [delivery] = await hooks.deliveries()

    assert waited < 4  # the receiver's 5 s were not waited for
    assert delivery["status"] == "PENDING" and delivery["lastStatusCode"] is None
    assert "timed out" in delivery["lastError"]


async def test_a_long_answer_is_cut_short(db: str, settings: Settings) -> None:
    size = 32 * 1024 * 1024
    async with hooks_for(db, settings) as hooks:
        hooks.receiver.reply = lambda n: Reply(status=200, body=b"x" * size)
        await hooks.create(["user.created"])
        await hooks.api.register("ann")
        delivered = await _until_status(hooks, "DELIVERED")
        await asyncio.sleep(0.5)  # the receiver notices the hang-up

    assert delivered["lastStatusCode"] == 200
    assert hooks.receiver.bytes_sent[0] < size  # the worker stopped reading and hung up


async def test_a_disabled_endpoint_gets_nothing(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings) as hooks:
        on_id, _ = await hooks.create(["user.created"])
        off_id, _ = await hooks.create(["user.created"], url=hooks.receiver.url.replace("/hooks", "/off"))
        done = await hooks.api.execute(SET_ENABLED, {"id": off_id, "enabled": False}, token=hooks.admin.token)
        assert not done.errors, done.body
        await hooks.api.register("ann")
        await hooks.receiver.wait_for(1)
        await _settled(hooks)
        await asyncio.sleep(QUIET_SECONDS)
        off = await hooks.deliveries(endpointId=off_id)
        on = await hooks.deliveries(endpointId=on_id)

    assert [r.path for r in hooks.receiver.received] == ["/hooks"]
    assert off == [] and [d["status"] for d in on] == ["DELIVERED"]


async def test_an_endpoint_hears_only_its_event_types(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings) as hooks:
        await hooks.create(["user.deleted"])
        await hooks.api.register("ann")
        await _settled(hooks)
        await asyncio.sleep(QUIET_SECONDS)

    assert hooks.receiver.received == []


async def test_production_refuses_a_loopback_receiver_at_delivery_time(db: str, settings: Settings) -> None:
    key = (Fernet.generate_key().decode(),)
    async with hooks_for(db, settings, start=False, totp_encryption_key=key) as hooks:
        await hooks.create(["user.created"], url=hooks.receiver.url.replace("http:", "https:"))  # fine in development
        await hooks.api.register("ann")
        production = replace(hooks.settings, app_env="production", webhook_retry_seconds=(3600,))
        async with worker.running(production):

            async def refused() -> bool:
                found = await hooks.deliveries()  # none until the worker has fanned the event out
                return bool(found) and found[0]["lastError"] is not None

            await until(refused)
        [delivery] = await hooks.deliveries()

    assert hooks.receiver.received == []
    assert delivery["status"] == "PENDING" and delivery["lastStatusCode"] is None
    assert delivery["lastError"].startswith("refused:") and "loopback" in delivery["lastError"]


async def test_metrics_show_the_queue_and_the_outcomes(db: str, settings: Settings) -> None:
    async with hooks_for(db, settings, webhook_retry_seconds=(1, 1, 1, 1, 1, 1, 1, 1)) as hooks:
        await hooks.receiver.stop()  # nothing listens: connection refused, retried
        before = await scrape(hooks.api)
        await hooks.create(["user.created"])
        await hooks.api.register("ann")

        async def retried() -> bool:
            now = await scrape(hooks.api)
            return value(now, "webhook_deliveries_total", outcome="retry") > value(
                before, "webhook_deliveries_total", outcome="retry"
            )

        await until(retried)
        waiting = await scrape(hooks.api)
        await hooks.receiver.start()
        await _until_status(hooks, "DELIVERED")
        after = await scrape(hooks.api)

    assert value(waiting, "webhook_queue_depth") == 1
    assert value(waiting, "webhook_oldest_pending_seconds") > 0
    assert value(after, "webhook_queue_depth") == 0 and value(after, "webhook_oldest_pending_seconds") == 0
    delivered = value(after, "webhook_deliveries_total", outcome="delivered")
    assert delivered == value(before, "webhook_deliveries_total", outcome="delivered") + 1


async def test_a_slow_receiver_holds_up_no_other(db: str, settings: Settings) -> None:
    slow_seconds = 4
    async with hooks_for(db, settings, webhook_read_timeout=10.0) as hooks:
        receiver = hooks.receiver
        receiver.reply = lambda n: Reply(delay=slow_seconds) if receiver.received[n].path == "/slow" else Reply()
        await hooks.create(["user.created"], url=receiver.url.replace("/hooks", "/slow"))
        await hooks.create(["user.created"])
        await hooks.api.register("ann")
        await receiver.wait_for(2)  # ann at both: the slow receiver is now taking its time
        slow_began = time.monotonic()
        await hooks.api.register("bob")

        async def bob_arrived() -> bool:
            return any(r.path == "/hooks" and b'"bob"' in r.body for r in receiver.received)

        await until(bob_arrived)
        bob_after = time.monotonic() - slow_began
        await _settled(hooks)

    assert bob_after < slow_seconds - 1, bob_after  # not queued behind the slow receiver's answer
    assert sorted(r.path for r in receiver.received) == ["/hooks", "/hooks", "/slow", "/slow"]


async def test_production_delivers_to_an_allowed_internal_network(db: str, settings: Settings) -> None:
    key = (Fernet.generate_key().decode(),)
    async with hooks_for(db, settings, start=False, totp_encryption_key=key) as hooks:
        url = hooks.receiver.url.replace("http://127.0.0.1", "https://localhost")
        await hooks.create(["user.created"], url=url)
        await hooks.api.register("ann")
        production = replace(
            hooks.settings,
            app_env="production",
            webhook_allowed_networks=(ip_network("127.0.0.0/8"), ip_network("::1/128")),
            webhook_connect_timeout=1.0,
            webhook_read_timeout=1.0,
            webhook_retry_seconds=(3600,),
        )
        async with worker.running(production):

            async def tried() -> bool:
                found = await hooks.deliveries()
                return bool(found) and found[0]["lastError"] is not None

            await until(tried)
        [delivery] = await hooks.deliveries()

    # Not refused: it went to the checked loopback address, where this plain-HTTP receiver cannot speak TLS.
    assert not delivery["lastError"].startswith("refused"), delivery
    assert hooks.receiver.received == [] and delivery["status"] == "PENDING"


async def test_a_secret_the_key_cannot_decrypt_fails_its_tries_instead_of_sending_unsigned(
    db: str, settings: Settings
) -> None:
    async with hooks_for(db, settings, start=False, totp_encryption_key=(Fernet.generate_key().decode(),)) as hooks:
        await hooks.create(["user.created"])
        await hooks.api.register("ann")
        replaced_key = replace(hooks.settings, totp_encryption_key=(Fernet.generate_key().decode(),))
        async with worker.running(replaced_key):
            failed = await _until_status(hooks, "FAILED")

    assert hooks.receiver.received == []
    assert failed["attempts"] == 4 and "TOTP_ENCRYPTION_KEY" in failed["lastError"]
