"""The sender (README, Email, Delivery and SMTP) against a real SMTP server in the test process: it sends what
is due as text and HTML from MAIL_FROM, resolves password-reset requests, and during an outage keeps the mail
for a retry instead of losing it."""

from __future__ import annotations

from datetime import UTC, datetime

from models import OutboxMail, User
from services.accounts import password_reset
from services.accounts.validation import email_key, user_name_key
from services.mail import outbox
from services.mail.sender import Sender
from services.transactions import transaction
from settings import Settings
from tests.domain.mail.conftest import MailSink, html_of, text_of

DATA = {"user_name": "<ann>", "link": "https://app.example/verify?token=abc", "token": "abc", "valid_for": "1 hour"}


async def queue(template: str = "verify_email", to: str = "ann@example.com") -> None:
    async with transaction():
        await outbox.enqueue(template=template, to=to, data=DATA)


async def test_a_due_mail_reaches_the_smtp_server_as_text_and_html(
    db: str, smtp_settings: Settings, sink: MailSink
) -> None:
    await queue()

    assert await Sender(smtp_settings).send_due() == 1

    [mail] = sink.to("ann@example.com")
    assert mail["From"] == smtp_settings.mail_from
    assert DATA["link"] in text_of(mail) and "<ann>" in text_of(mail)
    assert "&lt;ann&gt;" in html_of(mail)
    assert mail["Message-ID"].startswith("<outbox.")
    stored = await OutboxMail.get()
    assert (stored.status, stored.data) == (outbox.SENT, "{}")


async def test_during_an_outage_the_mail_waits_for_a_retry(db: str, smtp_settings: Settings, sink: MailSink) -> None:
    await queue()
    await sink.stop()

    await Sender(smtp_settings).send_due()

    waiting = await OutboxMail.get()
    assert (waiting.status, waiting.attempts) == (outbox.PENDING, 1) and waiting.last_error
    await sink.start()
    await OutboxMail.filter(id=waiting.id).update(next_attempt_at=datetime.now(UTC))  # the retry falls due

    assert await Sender(smtp_settings).send_due() == 1
    assert len(sink.to("ann@example.com")) == 1
    assert (await OutboxMail.get()).status == outbox.SENT


async def test_a_broken_template_is_retried_then_given_up(db: str, smtp_settings: Settings, sink: MailSink) -> None:
    await queue(template="no_such_template")
    sender = Sender(smtp_settings.model_copy(update={"mail_max_attempts": 1}))

    await sender.send_due()

    assert (await OutboxMail.get()).status == outbox.FAILED
    assert sink.received == []


async def test_a_reset_request_becomes_a_reset_mail_for_a_known_address(
    db: str, smtp_settings: Settings, sink: MailSink
) -> None:
    await User.create(
        user_name="ann",
        user_name_key=user_name_key("ann"),
        email="ann@example.com",
        email_key=email_key("ann@example.com"),
        password_hash="x",
    )
    for address in ("ann@example.com", "nobody@example.com"):
        await outbox.enqueue(
            template=password_reset.RESET_REQUEST,
            to=address,
            data={"email_key": email_key(address), "address": "192.0.2.1"},
        )
    sender = Sender(smtp_settings)

    await sender.send_due()  # resolves both requests
    await sender.send_due()  # sends the one mail they made

    assert [m["To"] for m in sink.received] == ["ann@example.com"]
    assert "token=" in text_of(sink.received[0])
    assert await OutboxMail.filter(status=outbox.PENDING).count() == 0
