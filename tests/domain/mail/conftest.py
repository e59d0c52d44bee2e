"""Fixtures for the mail services: a real SMTP server in the test process, and settings that mail to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from settings import Settings
from tests.support.mail import MailSink, html_of, mail_settings, text_of  # the one import of the test SMTP server here

__all__ = ["MailSink", "html_of", "text_of"]


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    """An SMTP server (aiosmtpd) on a loopback port, keeping every mail it accepts."""
    server = MailSink()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def smtp_settings(settings: Settings, sink: MailSink) -> Settings:
    """The test settings with SMTP_URL pointing at ``sink``."""
    return mail_settings(settings, sink)
