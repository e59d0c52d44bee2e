"""What the account mails share: a link built from a URL template, a token's lifetime in words, and the
throttle on mails asked for (per address and per email address)."""

from __future__ import annotations

from services.client import Client
from services.throttle import MAIL_REQUESTS, Throttle


def link(template: str, token: str) -> str:
    return template.replace("{token}", token)  # token_urlsafe: nothing in it needs escaping in a URL


def duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


async def count_mail_request(throttle: Throttle, email: str, client: Client) -> None:
    await throttle.reserve(
        *MAIL_REQUESTS,
        message="Too many mails asked for; try again later.",
        event="mail_request_throttled",
        address=client.address,
        email=email,
    )
