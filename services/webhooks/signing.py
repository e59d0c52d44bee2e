"""Standard Webhooks signatures and endpoint secrets (https://www.standardwebhooks.com).

A secret is ``whsec_`` and 32 random bytes in base64; a signature is ``v1,`` and the base64 HMAC-SHA256,
keyed with those bytes, of ``"{webhook-id}.{webhook-timestamp}.{body}"``. Several signatures, space
separated, let a receiver accept either secret while one replaces the other. At rest a secret is a Fernet
token (TOTP_ENCRYPTION_KEY, as TOTP secrets are), so a copy of the database signs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet

from services.errors import Forbidden
from settings import Settings, SettingsError

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery with ``secret`` (``whsec_...``)."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signatures(secrets_: list[str], *, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: one signature per secret, space separated."""
    return " ".join(signature(s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_)


def encrypt(secret: str, settings: Settings) -> str:
    return _cipher(settings).encrypt(secret.encode("ascii")).decode("ascii")


def decrypt(stored: str, settings: Settings) -> str:
    return _cipher(settings).decrypt(stored.encode("ascii")).decode("ascii")


def _cipher(settings: Settings) -> MultiFernet:
    try:
        keys = settings.totp_keys()
    except SettingsError:
        raise Forbidden(
            "Webhooks are not available: the server has no TOTP_ENCRYPTION_KEY to keep their secrets. Ask its operator."
        ) from None
    return _fernet(keys)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])
