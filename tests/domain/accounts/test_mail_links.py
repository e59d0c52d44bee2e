"""What the account mails share (README, Email): the link is the URL template with ``{token}`` replaced, the
lifetime reads in words ("24 hours"), and mails asked for are throttled per address and per email address."""

from __future__ import annotations

import pytest

from services.accounts import mail_links
from services.client import Client
from services.errors import TooManyRequests
from services.throttle import Throttle
from settings import Settings


def test_the_link_is_the_template_with_the_token() -> None:
    assert mail_links.link("https://app.example/verify?token={token}", "Jx2-_a") == (
        "https://app.example/verify?token=Jx2-_a"
    )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(86400, "24 hours"), (3600, "1 hour"), (5400, "90 minutes"), (60, "1 minute"), (1, "1 minute")],
)
def test_a_lifetime_reads_in_words(seconds: int, words: str) -> None:
    assert mail_links.duration(seconds) == words


async def test_mails_asked_for_one_email_are_throttled_from_any_address(settings: Settings, throttle: Throttle) -> None:
    for n in range(settings.password_reset_max_per_email):
        await mail_links.count_mail_request(throttle, "ann@example.com", Client(f"198.51.100.{n + 1}"))

    with pytest.raises(TooManyRequests):
        await mail_links.count_mail_request(throttle, "ann@example.com", Client("192.0.2.99"))
    await mail_links.count_mail_request(throttle, "bob@example.com", Client("192.0.2.99"))  # another address is apart


async def test_mails_asked_from_one_address_are_throttled_whatever_the_email(
    settings: Settings, throttle: Throttle
) -> None:
    client = Client("192.0.2.7")
    for n in range(settings.password_reset_max_per_address):
        await mail_links.count_mail_request(throttle, f"user{n}@example.com", client)

    with pytest.raises(TooManyRequests):
        await mail_links.count_mail_request(throttle, "other@example.com", client)
