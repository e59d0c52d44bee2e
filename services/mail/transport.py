"""Where mail goes: an SMTP server (aiosmtplib), or the log in development when SMTP_URL is not set."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from settings import NO_MAIL_SERVER, Settings, SettingsError

TIMEOUT = 30  # seconds for one SMTP conversation; outbox.LEASE_SECONDS must stay above it

log = logging.getLogger("app.mail")


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    """``smtp://user:pass@host:587``: STARTTLS whenever the server offers it, required with
    ``?starttls=required``; ``smtps://user:pass@host:465``: TLS from the first byte."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: upgrade when offered

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        parts = urlsplit(url)
        smtps = parts.scheme == "smtps"
        option = parse_qs(parts.query).get("starttls", [""])[0].lower()
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if smtps else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=smtps,
            start_tls=None if smtps or option != "required" else True,
        )

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=False if self.use_tls else self.start_tls,
            timeout=TIMEOUT,
        )


class LogTransport:
    """Development without SMTP_URL: each mail, links included, goes to the log instead. Never in
    production, where a link in the log is a token anyone who reads the log can use."""

    def __init__(self, settings: Settings) -> None:
        if settings.is_production:
            raise SettingsError(NO_MAIL_SERVER)

    async def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        log.info("mail not sent (SMTP_URL is not set) to=%s subject=%s\n%s", message["To"], message["Subject"], text)


def transport_for(settings: Settings) -> Transport:
    """SMTP_URL's server, or in development without one the log; production without one is a SettingsError."""
    return SmtpTransport.from_url(settings.smtp_url) if settings.smtp_url else LogTransport(settings)
