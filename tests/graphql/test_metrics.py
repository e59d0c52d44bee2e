"""GET /metrics: Prometheus text whose values move with the requests served, and protected (summed over workers:
tests/processes/test_metrics_workers.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from main import create_app
from models import OutboxMail
from settings import Settings
from tests.support import Api, replace
from tests.support.mail import mailer_for, until
from web.rest import documents

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

ANN = "ann@example.com"
QUEUED_AGO = 90  # seconds


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(api: Api, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_request_counts_and_latency_move_after_requests(api: Api) -> None:
    account = await api.register()
    before = await scrape(api)

    for _ in range(3):
        await api.me(account.token)
    await api.me("not-a-token")

    after = await scrape(api)
    assert value(after, "graphql_requests_total", operation="Me", outcome="ok") == (
        value(before, "graphql_requests_total", operation="Me", outcome="ok") + 3
    )
    assert value(after, "graphql_requests_total", operation="Me", outcome="UNAUTHENTICATED") == (
        value(before, "graphql_requests_total", operation="Me", outcome="UNAUTHENTICATED") + 1
    )
    assert value(after, "graphql_request_duration_seconds_count", operation="Me") == (
        value(before, "graphql_request_duration_seconds_count", operation="Me") + 4
    )
    assert value(after, "graphql_request_duration_seconds_sum", operation="Me") > value(
        before, "graphql_request_duration_seconds_sum", operation="Me"
    )


async def test_login_outcomes_and_throttle_refusals_are_counted(api: Api, settings: Settings) -> None:
    await api.register()
    before = await scrape(api)

    await api.login("john_doe")
    for _ in range(settings.login_max_failures + 1):  # the last one is refused by the throttle
        await api.login("john_doe", "wrong-password")

    after = await scrape(api)
    assert value(after, "logins_total", outcome="ok") == value(before, "logins_total", outcome="ok") + 1
    assert value(after, "logins_total", outcome="UNAUTHENTICATED") == (
        value(before, "logins_total", outcome="UNAUTHENTICATED") + settings.login_max_failures
    )
    assert value(after, "logins_total", outcome="TOO_MANY_REQUESTS") == (
        value(before, "logins_total", outcome="TOO_MANY_REQUESTS") + 1
    )
    assert value(after, "throttle_refusals_total", operation="Login") == (
        value(before, "throttle_refusals_total", operation="Login") + 1
    )


async def test_a_request_refused_before_it_ran_counts_by_http_status(api: Api) -> None:
    before = await scrape(api)

    await api.client.post("/graphql", content=b"{", headers={"Content-Type": "application/json"})

    after = await scrape(api)
    assert value(after, "graphql_requests_total", operation="-", outcome="HTTP_400") == (
        value(before, "graphql_requests_total", operation="-", outcome="HTTP_400") + 1
    )


async def test_operation_names_cannot_grow_the_label_set_without_bound(api: Api) -> None:
    for i in range(250):
        await api.execute(f"query Op{i} {{ __typename }}")

    samples = await scrape(api)

    operations = {dict(labels)["operation"] for name, labels in samples if name == "graphql_requests_total"}
    reserved = {documents.name_of(document) for document in documents.ALL}  # the REST door's, always by name
    assert len(operations - reserved) <= 201 + 1  # 200 names, "other", "-"
    assert value(samples, "graphql_requests_total", operation="other", outcome="ok") > 0


async def _until_moved(api: Api, before: Samples, name: str, **labels: str) -> Samples:
    """Scrape until a counter has moved past its value in ``before``; then the next answer.

    Not the answer that showed it: that one may have read the outbox's gauges just before the sender
    wrote the row and moved the counter (while the text was being rendered).
    """

    async def moved() -> bool:
        return value(await scrape(api), name, **labels) > value(before, name, **labels)

    await until(moved)
    return await scrape(api)


async def test_mail_waiting_for_a_down_smtp_server_shows_its_age_until_it_is_sent(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings) as mail:
        await mail.sink.stop()
        before = await scrape(mail.api)

        await mail.api.register("ann", email=ANN)  # mails a verification link
        await _until_moved(mail.api, before, "mail_send_failures_total", outcome="retry")
        # As if the server had been down for QUEUED_AGO seconds, without waiting them.
        await OutboxMail.filter(recipient=ANN).update(created_at=datetime.now(UTC) - timedelta(seconds=QUEUED_AGO))
        waiting = await scrape(mail.api)

        await mail.sink.start()
        after = await _until_moved(mail.api, before, "mail_sent_total")
        await mail.sink.wait_for(ANN, "confirm")

    assert value(before, "mail_outbox_pending") == 0
    assert value(before, "mail_outbox_oldest_pending_seconds") == 0
    assert value(waiting, "mail_outbox_pending") == 1
    assert QUEUED_AGO <= value(waiting, "mail_outbox_oldest_pending_seconds") < QUEUED_AGO + 60
    assert value(waiting, "mail_outbox_failed") == 0
    assert value(waiting, "mail_send_failures_total", outcome="gave_up") == value(
        before, "mail_send_failures_total", outcome="gave_up"
    )
    assert value(after, "mail_sent_total") == value(before, "mail_sent_total") + 1
    assert value(after, "mail_outbox_pending") == 0
    assert value(after, "mail_outbox_oldest_pending_seconds") == 0
    assert value(after, "mail_outbox_failed") == 0


async def test_a_mail_given_up_on_counts_as_failed(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, mail_max_attempts=2) as mail:
        await mail.sink.stop()
        before = await scrape(mail.api)

        await mail.api.register("ann", email=ANN)
        after = await _until_moved(mail.api, before, "mail_send_failures_total", outcome="gave_up")

    assert value(after, "mail_outbox_failed") == 1
    assert value(after, "mail_outbox_pending") == 0
    assert value(after, "mail_outbox_oldest_pending_seconds") == 0
    for outcome in ("retry", "gave_up"):  # two tries: one retried, then given up on
        assert value(after, "mail_send_failures_total", outcome=outcome) == (
            value(before, "mail_send_failures_total", outcome=outcome) + 1
        )
    assert value(after, "mail_sent_total") == value(before, "mail_sent_total")


async def client_for(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://testserver")


async def test_metrics_token_is_required_when_set(db: str, settings: Settings) -> None:
    async with await client_for(replace(settings, metrics_token="m" * 32)) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})

    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert right.status_code == 200 and "graphql_requests_total" in right.text


async def test_in_production_metrics_are_off_without_a_token(db: str, settings: Settings) -> None:
    async with await client_for(replace(settings, app_env="production")) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404
    assert "graphql_requests_total" not in response.text
