"""The refresh token that follows another: derived from it with HMAC, so a racing tab can be given it again.

Two tabs (or a retry after a lost response) may present one refresh token within moments of each other. The
first spends it; for REFRESH_REUSE_GRACE_SECONDS after that the second must get the *same* new refresh token
(else the two tabs hold different chains and the next refresh of one trips reuse detection), and after the
grace a replay still revokes the session. So the server must be able to produce the successor again, from
nothing but the parent token presented and what it stores, on any worker or instance.

The successor is ``base64url(HMAC-SHA256(K, parent))`` with ``K = HMAC-SHA256(JWT_SECRET, PURPOSE)``
(services.identity.purpose_keys); only its SHA-256 is stored, like every refresh token's (the first of a session
is random). Why this and not the successor kept encrypted beside its parent (Fernet, as TOTP secrets are):

- Nothing usable is stored at all, not even encrypted: the database holds hashes only, and a copy of it (a
  backup, a replica) yields no token without the parent token, which is never stored, and the secret.
- Every instance already shares JWT_SECRET (required in production, the same on every instance): no new key
  to deploy and rotate. The Fernet key (TOTP_ENCRYPTION_KEY) is required in production only once someone uses
  two-factor sign-in; refreshes must not start needing it.
- No extra column, write or clean-up: the grace works on every backend with the rows rotation writes anyway.

What it costs: whoever holds JWT_SECRET and one refresh token of a chain can compute its later ones. Whoever
holds JWT_SECRET can already sign access tokens for any live session, so that gives nothing new. Without the
secret, HMAC is a pseudo-random function: a successor is as unguessable as a random token (256 bits).
Changing JWT_SECRET changes the successors derived from then on; a parent spent under the old secret and
presented again within the grace finds no successor and is treated as reuse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from services.identity.purpose_keys import purpose_key

PURPOSE = b"user-service: the successor of a refresh token, v1"


def successor(parent: str, secret: str) -> str:
    """The refresh token that follows ``parent``: 43 characters of base64url, like a random one."""
    digest = hmac.new(purpose_key(secret, PURPOSE), parent.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
