"""The outbox and its sender: mail survives an SMTP outage, is given up on after its tries, is sent
once by several senders, and goes to the log in development without SMTP_URL."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from models import OutboxMail
from services.mail import outbox, sender
from services.transactions import transaction
from settings import Settings
from tests.support import replace
from tests.support.mail import MailSink, mail_settings, mailer_for, text_of, token_in, until

ANN = "ann@example.com"
SENDERS = 3
MAILS = 12
ROUNDS = 20


async def _status(recipient: str) -> OutboxMail:
    mail = await OutboxMail.filter(recipient=recipient).first()
    assert mail is not None
    return mail


async def _until_attempted(recipient: str, attempts: int) -> None:
    async def attempted() -> bool:
        return (await _status(recipient)).attempts >= attempts

    await until(attempted)


async def test_mail_written_while_smtp_is_down_arrives_after_it_comes_back(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings) as mail:
        await mail.sink.stop()
        await mail.api.register("ann", email=ANN)
        await _until_attempted(ANN, 2)  # refused twice, retried with backoff
        waiting = await _status(ANN)

        await mail.sink.start()
        [message] = await mail.sink.wait_for(ANN, "confirm")

        async def marked_sent() -> bool:  # the sender marks the row after the server's answer
            return (await _status(ANN)).status == "sent"

        await until(marked_sent)

    assert waiting.status == "pending" and "Error" in (waiting.last_error or "")
    assert len(token_in(message)) >= 43  # 256 bits in base64url
    assert (await _status(ANN)).status == "sent"
    assert (await _status(ANN)).data == "{}"  # the token is gone from the outbox once mailed


async def test_a_mail_is_given_up_after_its_tries_with_a_log_line(
    db: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.mail")
    async with mailer_for(db, settings, mail_max_attempts=2) as mail:
        await mail.sink.stop()
        await mail.api.register("ann", email=ANN)

        async def given_up() -> bool:
            return (await _status(ANN)).status == "failed"

        await until(given_up)

        listed = await outbox.unsent()

    failed = await _status(ANN)
    assert (failed.attempts, failed.data) == (2, "{}")
    assert [(m.template, m.recipient, m.status, m.attempts) for m in listed] == [("verify_email", ANN, "failed", 2)]
    assert any("mail_given_up" in record.getMessage() for record in caplog.records)


async def _enqueue(recipients: list[str]) -> None:
    async with transaction():
        for recipient in recipients:
            await outbox.enqueue(template="password_changed", to=recipient, data={"user_name": recipient})


async def test_several_senders_never_send_one_mail_twice(db: str, settings: Settings) -> None:
    sink = MailSink()
    await sink.start()
    configured = mail_settings(settings, sink)
    senders = [sender.Sender(configured) for _ in range(SENDERS)]
    try:
        for round_ in range(ROUNDS):
            recipients = [f"r{round_}.{i}@example.com" for i in range(MAILS)]
            await _enqueue(recipients)
            start = asyncio.Barrier(SENDERS)

            async def drain(one: sender.Sender, start: asyncio.Barrier = start) -> None:
                await start.wait()
                while await one.send_due():
                    pass

            await asyncio.gather(*(drain(one) for one in senders))

            assert sorted(str(m["To"]) for m in sink.received if m["To"] in recipients) == sorted(recipients)
        assert not await OutboxMail.filter(status="pending").exists()
    finally:
        for one in senders:
            one.stop()
        await sink.stop()


async def test_without_smtp_url_development_writes_each_mail_to_the_log(
    db: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.mail")
    development = replace(settings, app_env="development", smtp_url="")
    await _enqueue([ANN])

    async with sender.running(development) as running:
        await running.send_due()

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "app.mail")
    assert f"to={ANN}" in logged and "password of your account was changed" in logged
    assert (await _status(ANN)).status == "sent"


async def test_an_operator_template_replaces_the_built_in_one(db: str, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "verify_email.subject").write_text("Welcome aboard, {{ user_name }}\n")
    async with mailer_for(db, settings, mail_templates_dir=tmp_path / "templates") as mail:
        await mail.api.register("ann", email=ANN)
        [message] = await mail.sink.wait_for(ANN, "welcome aboard")

    assert message["Subject"] == "Welcome aboard, ann"
    assert token_in(message) in text_of(message)  # the other parts are still the built-in ones
