"""Our webhook signatures as a receiver checks them: with the standardwebhooks library, not with our code."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.webhooks import signing

BODY = b'{"type":"user.created","timestamp":"2026-01-01T00:00:00Z","data":{"userId":1}}'


def _headers(signature: str, timestamp: int) -> dict[str, str]:
    return {"webhook-id": "msg_1", "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def test_a_signature_verifies_with_the_standardwebhooks_library() -> None:
    secret = signing.new_secret()
    now = int(time.time())

    signature = signing.signatures([secret], message_id="msg_1", timestamp=now, body=BODY)

    assert Webhook(secret).verify(BODY, _headers(signature, now))["data"] == {"userId": 1}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"1}", b"2}"), _headers(signature, now))
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, _headers(signature, now))


def test_after_a_rotation_either_secret_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    now = int(time.time())

    signature = signing.signatures([new, old], message_id="msg_1", timestamp=now, body=BODY)

    assert len(signature.split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, _headers(signature, now))
