"""The background sender: started in the server's lifespan, it sends what the outbox holds.

It wakes when this process writes a mail and otherwise looks every MAIL_POLL_SECONDS, which also
picks up mails of other instances, retries that fell due, and mails a dead sender left behind.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from prometheus_client import Counter

from models import OutboxMail
from services import background
from services.accounts import password_reset
from services.identity import sign_in_codes
from services.mail import outbox
from services.mail.templates import render
from services.mail.transport import Transport, transport_for
from settings import Settings

BATCH = 10
STOP_GRACE_SECONDS = 5  # a send still running after this is cancelled; its lease brings it back later

log = logging.getLogger("app.mail")

# Counted here, in the process that sends: the server's /metrics shows its own sender's (summed over workers).
SENT = Counter("mail_sent_total", "mails sent: accepted by the SMTP server (or, without SMTP_URL, logged)")
FAILURES = Counter(
    "mail_send_failures_total",
    "tries to send a mail that failed, by what became of the mail: retry (later) or gave_up (failed for good)",
    ["outcome"],
)
for _outcome in (outbox.RETRY, outbox.GAVE_UP):
    FAILURES.labels(_outcome)  # both series exist from the start, at 0, so rate() and alerts see them

# Outbox rows that are no mail yet but a request, which the sender turns into a mail or into nothing.
RESOLVERS: dict[str, Callable[[OutboxMail, Settings], Awaitable[None]]] = {
    password_reset.RESET_REQUEST: password_reset.resolve_reset_request,
    sign_in_codes.SIGN_IN_CODE_REQUEST: sign_in_codes.resolve_request,
}


def build_message(mail: OutboxMail, settings: Settings) -> EmailMessage:
    rendered = render(mail.template, json.loads(mail.data), override=settings.mail_templates_dir)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.recipient
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(mail.created_at)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    # Stable across retries, so a receiving server can drop the copy of a mail sent twice.
    message["Message-ID"] = f"<outbox.{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class Sender:
    def __init__(self, settings: Settings, transport: Transport | None = None) -> None:
        self.settings = settings
        self.transport = transport or transport_for(settings)
        self._wake = outbox.waker()
        self._stopping = False

    async def send_due(self) -> int:
        """Claim and send one batch of due mails; how many were claimed."""
        claimed = await outbox.claim(limit=BATCH)
        for mail in claimed:
            await self._send(mail)
        return len(claimed)

    async def _send(self, mail: OutboxMail) -> None:
        try:
            resolve = RESOLVERS.get(mail.template)
            if resolve is not None:  # no mail yet: a request to turn into one, or not
                await resolve(mail, self.settings)
                return
            await self.transport.send(build_message(mail, self.settings))
        except Exception as exc:  # refused, timed out, rejected, a broken template: all retried, then given up
            outcome = await outbox.failed(
                mail,
                f"{type(exc).__name__}: {exc}",
                max_attempts=self.settings.mail_max_attempts,
                retry_seconds=self.settings.mail_retry_seconds,
            )
            FAILURES.labels(outcome).inc()
        else:
            await outbox.sent(mail)
            SENT.inc()

    async def run(self) -> None:
        try:
            await background.poll(
                due=self.send_due,
                batch=BATCH,
                wake=self._wake,
                poll_seconds=self.settings.mail_poll_seconds,
                stopping=lambda: self._stopping,
                error="mail_sender_error",
                logger=log,
            )
        finally:
            outbox.forget(self._wake)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


@asynccontextmanager
async def running(settings: Settings, transport: Transport | None = None) -> AsyncIterator[Sender]:
    """A sender running in this event loop for the duration of the block, stopped cleanly after it."""
    worker = Sender(settings, transport)
    async with background.running(
        worker, name="mail-sender", grace=STOP_GRACE_SECONDS, late="mail_sender_stopped_mid_send", logger=log
    ) as sender:
        yield sender
