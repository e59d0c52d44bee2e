"""Keys derived from JWT_SECRET, one per purpose: ``HMAC-SHA256(JWT_SECRET as UTF-8, purpose)``.

Sign-in codes and links, mailed and download tokens, provider sign-ins, refresh-token successors and picture
names are each kept as (or named by) an HMAC under a key of their own, so a hash made for one purpose never
matches one made for another, and no site signs with JWT_SECRET itself. They all derive that key here: the
stored values depend on it byte for byte (tests/unit/test_purpose_keys.py pins them), so it must not change,
and a new purpose must be a byte string no other site uses.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


@lru_cache(maxsize=32)
def purpose_key(secret: str, purpose: bytes) -> bytes:
    """The 32-byte key for ``purpose`` under ``secret`` (JWT_SECRET); cached, as it is asked for on every hash."""
    return hmac.new(secret.encode("utf-8"), purpose, hashlib.sha256).digest()
