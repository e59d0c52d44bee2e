"""Access tokens: JWTs that name the user, the user's token version and the session (``sid``).
A refused one says why (services.identity.refusals).

With an asymmetric JWT_ALGORITHM (EdDSA, ES256, RS256) a token is signed with the active signing key and names it
in its header (``kid``); it is verified with the published key of that kid, and only with that key's own
algorithm, never the one the header claims. A token without a kid is an HS256 token of JWT_SECRET: honoured only
when issued before the first signing key became active (moving from HS256 signs no one out), so a leaked
JWT_SECRET cannot mint new ones. With JWT_ALGORITHM=HS256 tokens are HS256 of JWT_SECRET, without a kid.

A token also says when its session signed in with credentials (``auth_time``, OpenID Connect's claim):
a refresh keeps it, so a session's tokens are "recently signed in" only for a while
(services.identity.reauthentication).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jwt

from services.identity import refusals
from services.identity.keyring import Keys, VerifyingKey, keyring
from settings import Settings

ALGORITHM = "HS256"  # JWT_SECRET's
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
    issued_at: int = field(default=0, compare=False)  # the token's ``iat``


def issue_access_token(
    *,
    user_id: int,
    token_version: int,
    session_id: str,
    settings: Settings,
    keys: Keys | None = None,
    session_ends: float | None = None,
    auth_time: float | None = None,
    now: float | None = None,
) -> AccessToken:
    """A token of the session ``session_id``; it never outlives the session (``session_ends``, a timestamp).

    ``auth_time`` (a timestamp) is when the session signed in with credentials, carried as is by every
    token of the session. ``keys``: the keyring's snapshot (``await signing_keys_for(settings)``); by default
    the one loaded last."""
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
    if settings.asymmetric_tokens:
        pair = _loaded(keys, settings).require_signing(settings)
        token = jwt.encode(claims, pair.key, algorithm=pair.algorithm, headers={"kid": pair.kid})  # type: ignore[arg-type]
    else:
        token = jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_in=expires - issued)


async def signing_keys_for(settings: Settings) -> Keys | None:
    """The keys to sign and verify with (None with HS256): the keyring's snapshot, reloaded when due."""
    return await keyring().keys(settings) if settings.asymmetric_tokens else None


def _loaded(keys: Keys | None, settings: Settings) -> Keys:
    loaded = keys if keys is not None else keyring().snapshot
    if loaded is None:
        raise RuntimeError("the keyring is not loaded: await access_tokens.signing_keys_for(settings) first")
    return loaded


INVALID = refusals.ACCESS_INVALID


class UnknownKid(refusals.TokenRefused):
    """A token naming a kid this process does not know (yet): TOKEN_INVALID unless a reload finds it."""

    def __init__(self) -> None:
        super().__init__(INVALID, reason=refusals.TOKEN_INVALID)


async def verify(token: str, *, settings: Settings) -> TokenClaims:
    """``decode_access_token`` with the keyring's keys; a kid it does not know reloads them once (rate-limited:
    another instance may have activated a key a moment ago) before the token is refused."""
    keys = await signing_keys_for(settings)
    try:
        return decode_access_token(token, settings=settings, keys=keys)
    except UnknownKid:
        fresher = await keyring().after_unknown_kid(settings)
        if fresher is None:
            raise
        return decode_access_token(token, settings=settings, keys=fresher)


def decode_access_token(
    token: str, *, settings: Settings, keys: Keys | None = None, now: float | None = None
) -> TokenClaims:
    """Verify signature, algorithm, issuer, audience and lifetime; raise TokenRefused otherwise: TOKEN_EXPIRED
    for a token of ours past its ``exp`` (PyJWT checks the signature first, so only for one of ours), else
    TOKEN_INVALID (UnknownKid for a kid not in ``keys``).

    Revocation is not checked here: the caller loads the user only through a live session ``sid``.
    """
    moment = time.time() if now is None else now
    try:
        if not settings.asymmetric_tokens:
            claims, expires = _verified(token, settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience)
        else:
            claims, expires = _verified_with_keys(token, _loaded(keys, settings), settings, moment)
    except jwt.ExpiredSignatureError:
        raise refusals.expired() from None
    except jwt.InvalidTokenError:
        raise refusals.invalid() from None
    # A verification is remembered, so the token's end is checked here on every use.
    if expires + LEEWAY_SECONDS < moment:
        raise refusals.expired()
    return claims


def _verified_with_keys(token: str, keys: Keys, settings: Settings, now: float) -> tuple[TokenClaims, int]:
    kid = _kid(token)
    if kid is None:  # HS256 of JWT_SECRET: only one issued before the first signing key was active
        claims, expires = _verified(token, settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience)
        # Whole seconds (``iat`` is one): a token of the very second the first key became active is refused.
        since = None if keys.asymmetric_since is None else int(keys.asymmetric_since)
        if since is None or claims.issued_at >= since or expires > since + settings.access_token_ttl + LEEWAY_SECONDS:
            raise jwt.InvalidTokenError(INVALID)
        return claims, expires
    key = keys.verifying.get(kid)
    if key is None:
        raise UnknownKid()
    if not key.valid_at(now):  # retired, and past the end of the last token it signed
        raise jwt.InvalidTokenError(INVALID)
    return _verified(token, key, settings.jwt_issuer, settings.jwt_audience)


@lru_cache(maxsize=16_384)
def _kid(token: str) -> str | None:
    """The ``kid`` of a token's header (unverified; it only picks the key). None without one; a malformed
    header or a kid that is not a short string raises InvalidTokenError."""
    kid = jwt.get_unverified_header(token).get("kid")
    if kid is not None and not (isinstance(kid, str) and 0 < len(kid) <= 64):
        raise jwt.InvalidTokenError(INVALID)
    return kid


@lru_cache(maxsize=16_384)
def _verified(token: str, key: str | VerifyingKey, issuer: str, audience: str) -> tuple[TokenClaims, int]:
    """The claims of a token whose signature and claims check out, and its ``exp``.

    Cached: a front end sends the same token with every request for its whole lifetime, and the
    signature check plus PyJWT's claim checks are a tenth of a ``me`` request. The result depends only on
    the arguments, so the cache cannot go stale; failures raise and are never cached.
    """
    secret: Any
    if isinstance(key, str):  # JWT_SECRET
        secret, algorithms = key, [ALGORITHM]
    else:  # the key's own algorithm, whatever the header says
        secret, algorithms = key.key, [key.algorithm]
    claims = jwt.decode(
        token,
        secret,
        algorithms=algorithms,
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
    issued = int(claims["iat"])  # PyJWT has checked it is a number
    claims_of = TokenClaims(
        user_id=int(sub), version=version, session_id=session, auth_time=auth_time, issued_at=issued
    )
    return claims_of, int(expires)
