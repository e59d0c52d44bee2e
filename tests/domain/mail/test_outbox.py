"""The outbox (README, Email, Delivery): a mail queued is claimed by one sender under a lease, its link and
token erased once sent or given up; a failure is retried later, doubling, and given up after the last try."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from models import OutboxMail
from services.mail import outbox
from services.transactions import transaction

DATA = {"user_name": "ann", "link": "https://app.example/v?token=secret", "token": "secret"}


async def queue(count: int = 1) -> None:
    async with transaction():
        for n in range(count):
            await outbox.enqueue(template="verify_email", to=f"user{n}@example.com", data=DATA)


async def test_a_claim_takes_due_mails_once_under_a_lease(db: str) -> None:
    await queue(3)

    first = await outbox.claim(limit=2)
    second = await outbox.claim(limit=10)

    assert [m.recipient for m in first] == ["user0@example.com", "user1@example.com"]
    assert [m.recipient for m in second] == ["user2@example.com"]
    assert {m.attempts for m in first + second} == {1}
    assert json.loads(first[0].data) == DATA
    assert await outbox.claim(limit=10) == []  # all leased


async def test_a_lease_run_out_gives_the_mail_to_the_next_claim(db: str) -> None:
    await queue()
    [taken] = await outbox.claim(limit=1)
    await OutboxMail.filter(id=taken.id).update(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))

    [again] = await outbox.claim(limit=1)

    assert again.id == taken.id and again.attempts == 2


async def test_a_sent_mail_is_marked_and_its_token_erased(db: str) -> None:
    await queue()
    [mail] = await outbox.claim(limit=1)

    await outbox.sent(mail)

    stored = await OutboxMail.get(id=mail.id)
    assert (stored.status, stored.data, stored.last_error) == (outbox.SENT, "{}", None)
    assert stored.sent_at is not None
    assert await outbox.unsent() == []


async def test_a_failure_is_retried_later_doubling_then_given_up(db: str) -> None:
    await queue()
    [mail] = await outbox.claim(limit=1)
    before = datetime.now(UTC)

    assert await outbox.failed(mail, "refused", max_attempts=2, retry_seconds=60) == outbox.RETRY
    waiting = await OutboxMail.get(id=mail.id)
    assert (waiting.status, waiting.last_error) == (outbox.PENDING, "refused")
    assert waiting.next_attempt_at >= before + timedelta(seconds=60)
    assert await outbox.claim(limit=1) == []  # not due yet

    await OutboxMail.filter(id=mail.id).update(next_attempt_at=before)
    [again] = await outbox.claim(limit=1)
    retry_at = datetime.now(UTC)
    assert await outbox.failed(again, "x" * 1000, max_attempts=3, retry_seconds=60) == outbox.RETRY
    assert (await OutboxMail.get(id=mail.id)).next_attempt_at >= retry_at + timedelta(seconds=120)  # doubled

    await OutboxMail.filter(id=mail.id).update(next_attempt_at=before)
    [last] = await outbox.claim(limit=1)
    assert await outbox.failed(last, "refused again", max_attempts=3, retry_seconds=60) == outbox.GAVE_UP
    given_up = await OutboxMail.get(id=mail.id)
    assert (given_up.status, given_up.data, given_up.last_error) == (outbox.FAILED, "{}", "refused again")


async def test_an_error_is_kept_short(db: str) -> None:
    await queue()
    [mail] = await outbox.claim(limit=1)

    await outbox.failed(mail, "x" * 1000, max_attempts=5, retry_seconds=1)

    assert (await OutboxMail.get(id=mail.id)).last_error == "x" * outbox.ERROR_MAX


async def test_depth_and_unsent_show_what_waits_and_what_failed_never_tokens(db: str) -> None:
    assert await outbox.depth() == outbox.Depth(pending=0, failed=0, oldest_pending_seconds=0.0)
    await queue(3)
    sent, failed, _ = await outbox.claim(limit=3)
    await outbox.sent(sent)
    await outbox.failed(failed, "refused", max_attempts=1, retry_seconds=1)

    depth = await outbox.depth()
    listed = await outbox.unsent()

    assert (depth.pending, depth.failed) == (1, 1) and depth.oldest_pending_seconds >= 0
    assert [(m.recipient, m.status) for m in listed] == [
        ("user1@example.com", outbox.FAILED),
        ("user2@example.com", outbox.PENDING),
    ]
    assert "secret" not in repr(listed)


async def test_a_resolved_request_is_done_only_for_its_own_claim(db: str) -> None:
    await queue()
    [mine] = await outbox.claim(limit=1)
    await OutboxMail.filter(id=mine.id).update(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
    [theirs] = await outbox.claim(limit=1)  # the lease ran out and another sender took it

    async with transaction():
        assert await outbox.resolved(mine) is False
    async with transaction():
        assert await outbox.resolved(theirs) is True

    stored = await OutboxMail.get(id=mine.id)
    assert (stored.status, stored.recipient, stored.data) == (outbox.SENT, "", "{}")
