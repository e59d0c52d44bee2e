"""Access tokens: HS256 JWTs that name the user, the user's token version and the session (``sid``).
A refused one says why (services.identity.refusals).

A token also says when its session signed in with credentials (``auth_time``, OpenID Connect's claim):
a refresh keeps it, so a session's tokens are "recently signed in" only for a while
(services.identity.reauthentication).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

import jwt

from services.identity import refusals
from settings import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "iss", "aud", "ver", "sid"]
LEEWAY_SECONDS = 10  # clock skew between instances
MAX_USER_ID = 2**63 - 1  # the id column is a signed 64-bit integer; a larger number names no one
MAX_SESSION_ID = 32  # models.session.SESSION_ID_LENGTH


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    version: int
    session_id: str
    auth_time: int | None = None  # when the session signed in with credentials; None in tokens from before it


def issue_access_token(
    *,
    user_id: int,
    token_version: int,
    session_id: str,
    settings: Settings,
    session_ends: float | None = None,
    auth_time: float | None = None,
    now: float | None = None,
) -> AccessToken:
    """A token of the session ``session_id``; it never outlives the session (``session_ends``, a timestamp).

    ``auth_time`` (a timestamp) is when the session signed in with credentials, carried as is by every
    token of the session."""
    issued = int(time.time() if now is None else now)
    expires = issued + settings.access_token_ttl
    if session_ends is not None:
        expires = max(issued, min(expires, int(session_ends)))
    claims = {
        "sub": str(user_id),
        "iat": issued,
        "exp": expires,
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "ver": token_version,
        "sid": session_id,
    }
    if auth_time is not None:
        claims["auth_time"] = int(auth_time)
    token = jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_in=expires - issued)


INVALID = refusals.ACCESS_INVALID


def decode_access_token(token: str, *, settings: Settings, now: float | None = None) -> TokenClaims:
    """Verify signature, algorithm, issuer, audience and lifetime; raise TokenRefused otherwise: TOKEN_EXPIRED
    for a token of ours past its ``exp`` (PyJWT checks the signature first, so only for one of ours), else
    TOKEN_INVALID.

    Revocation is not checked here: the caller loads the user only through a live session ``sid``.
    """
    try:
        claims, expires = _verified(token, settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience)
    except jwt.ExpiredSignatureError:
        raise refusals.expired() from None
    except jwt.InvalidTokenError:
        raise refusals.invalid() from None
    # A verification is remembered, so the token's end is checked here on every use.
    if expires + LEEWAY_SECONDS < (time.time() if now is None else now):
        raise refusals.expired()
    return claims


@lru_cache(maxsize=16_384)
def _verified(token: str, secret: str, issuer: str, audience: str) -> tuple[TokenClaims, int]:
    """The claims of a token whose signature and claims check out, and its ``exp``.

    Cached: a front end sends the same token with every request for its whole lifetime, and the
    HMAC check plus PyJWT's claim checks are a tenth of a ``me`` request. The result depends only on
    the arguments, so the cache cannot go stale; failures raise and are never cached.
    """
    claims = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=issuer,
        leeway=LEEWAY_SECONDS,
        options={"require": REQUIRED_CLAIMS},
    )
    sub, version, session, expires = claims["sub"], claims["ver"], claims["sid"], claims["exp"]
    # Length first: int() of thousands of digits raises, and a number past 64 bits overflows the driver.
    if not (isinstance(sub, str) and 0 < len(sub) <= 19 and sub.isascii() and sub.isdecimal()):
        raise jwt.InvalidTokenError(INVALID)
    if int(sub) > MAX_USER_ID or type(version) is not int:
        raise jwt.InvalidTokenError(INVALID)
    if not (isinstance(session, str) and 0 < len(session) <= MAX_SESSION_ID):
        raise jwt.InvalidTokenError(INVALID)
    auth_time = claims.get("auth_time")
    if auth_time is not None and type(auth_time) is not int:
        raise jwt.InvalidTokenError(INVALID)
    return TokenClaims(user_id=int(sub), version=version, session_id=session, auth_time=auth_time), int(expires)
