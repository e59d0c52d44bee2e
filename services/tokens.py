"""Access tokens: HS256 JWTs that name the user and the user's token version."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

from services.errors import Unauthenticated
from settings import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "iss", "aud", "ver"]
LEEWAY_SECONDS = 10  # clock skew between instances


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    version: int


def issue_access_token(
    *, user_id: int, token_version: int, settings: Settings, now: float | None = None
) -> AccessToken:
    issued = int(time.time() if now is None else now)
    claims = {
        "sub": str(user_id),
        "iat": issued,
        "exp": issued + settings.access_token_ttl,
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "ver": token_version,
    }
    token = jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_in=settings.access_token_ttl)


def decode_access_token(token: str, *, settings: Settings) -> TokenClaims:
    """Verify signature, algorithm, issuer, audience and lifetime; raise Unauthenticated otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The access token has expired; log in again.") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("The access token is invalid.") from None
    sub, version = claims["sub"], claims["ver"]
    if not (isinstance(sub, str) and sub.isascii() and sub.isdecimal() and type(version) is int):
        raise Unauthenticated("The access token is invalid.")
    return TokenClaims(user_id=int(sub), version=version)
