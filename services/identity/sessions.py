"""Sessions and their refresh tokens: started at sign-in, rotated on every refresh, revoked as a whole.

A refresh token is live while it is unspent and unexpired and its session is neither revoked nor past
its absolute end. Revocation is one conditional UPDATE of session rows, recording why (``end_reason``:
TOKEN_REVOKED for this one session, SESSION_ENDED for all of a user's, see services.identity.refusals);
rotation runs in one transaction holding its session row locked. So after any interleaving of refresh,
reuse, logout, logoutAll, a password change or a delete, a revoked session has no live token, and one
token never yields two successors. Each revocation raises one session.revoked webhook event per session it
ended, in its transaction (``_announce_ended``).

The reuse grace: for REFRESH_REUSE_GRACE_SECONDS after a token was spent, presenting it again (a second
tab refreshing at the same moment) answers the successor it was spent for, while that successor is still
unspent, instead of revoking the session. The successor is derived from its parent with HMAC
(services.identity.refresh_successors explains why rather than kept encrypted), so nothing but hashes is
stored and any worker can answer. Later, or once the successor is spent too, a replay revokes the session.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models import RefreshToken, Session, User
from models.session import SESSION_ID_LENGTH
from services import audit
from services.accounts.validation import require_str
from services.client import Client
from services.errors import InvalidInput, Unauthenticated
from services.identity import refresh_successors, refusals
from services.identity.refusals import SESSION_ENDED, TOKEN_REVOKED
from services.people import lookup
from services.security_events import Kind
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 256
GONE = "The account no longer exists."
# What every session id is (uuid4().hex, see start); any other text names no session and never reaches a query.
SESSION_ID = re.compile(rf"[0-9a-fA-F]{{{SESSION_ID_LENGTH}}}")


@dataclass(frozen=True)
class IssuedRefreshToken:
    token: str
    expires_in: int  # seconds
    session_id: str
    session_ends: datetime  # the session's absolute end: no token of it outlives this
    signed_in_at: datetime  # when the session began, with credentials: its access tokens' auth_time


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def is_live(session: Session, now: datetime) -> bool:
    """Whether a session is alive: neither revoked nor past its absolute end."""
    return session.revoked_at is None and session.expires_at > now


def _live_rows(now: datetime) -> Q:
    """``is_live`` as a filter on session rows."""
    return Q(revoked_at=None, expires_at__gt=now)


async def user_of_live_session(*, user_id: int, session_id: str, token_version: int) -> User | None:
    """The user an access token speaks for while its session is alive, else None: the session is the
    user's and not revoked, and the token's version is the user's (revoke_all bumps it). One query.

    The session's absolute end needs no check here: no access token outlives its session
    (services.identity.access_tokens).
    Every reader of an access token (the HTTP edge, any endpoint to come) goes through this.
    """
    user = await lookup.by_live_session(user_id, session_id)
    return user if user is not None and user.token_version == token_version else None


async def end_reason(*, user_id: int, session_id: str) -> str:
    """Why an access token of this session speaks for no one (``user_of_live_session`` found none): the reason
    its revocation recorded, else SESSION_ENDED (the session went with its user, or the token version moved on).
    Asked only on that failure path, so a good token still costs one query."""
    session = await Session.filter(id=session_id, user_id=user_id).first()
    if session is None or session.revoked_at is None:
        return SESSION_ENDED
    return session.end_reason or TOKEN_REVOKED


def clean_id(session_id: object, field: str = "id") -> str:
    """A session id as the API takes one: 32 hexadecimal digits, else BAD_USER_INPUT naming ``field``."""
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise InvalidInput(f"{field} is not a session id.", field=field)
    return session_id


def _clean(token: object) -> str:
    """The text of a refresh token as sent; text that cannot be one (empty, over-long: an access token, say)
    is refused like an unknown one, TOKEN_INVALID. Not a string at all is BAD_USER_INPUT."""
    text = require_str(token, "refreshToken")
    if not text or len(text) > MAX_TOKEN_LENGTH:
        raise refusals.invalid(refusals.REFRESH_INVALID)
    return text


async def _issue(
    session: Session, now: datetime, settings: Settings, *, token: str | None = None
) -> IssuedRefreshToken:
    """A new refresh token of the session (``token``, else a random one); it never outlives the session."""
    token = token or secrets.token_urlsafe(TOKEN_BYTES)
    expires = min(now + timedelta(seconds=settings.refresh_token_ttl), session.expires_at)
    await RefreshToken.create(session_id=session.id, token_hash=_digest(token), expires_at=expires)
    return _issued(session, token, expires, now)


def _issued(session: Session, token: str, expires: datetime, now: datetime) -> IssuedRefreshToken:
    return IssuedRefreshToken(
        token=token,
        expires_in=max(0, int((expires - now).total_seconds())),
        session_id=session.id,
        session_ends=session.expires_at,
        signed_in_at=session.created_at,  # a session begins only by signing in; a refresh never moves it
    )


async def start(user: User, settings: Settings, *, client: Client, method: str = "password") -> IssuedRefreshToken:
    """A new session of ``user`` and its first refresh token; ``method`` is how it signed in (Session.method).

    A user deleted meanwhile (its row gone before the insert) is UNAUTHENTICATED, not a foreign-key error.
    """
    now = _now()
    ends = now + timedelta(seconds=settings.session_max_age)
    session_id = uuid.uuid4().hex
    try:
        session = await Session.create(
            id=session_id,
            user_id=user.id,
            last_used_at=now,
            expires_at=ends,
            ip_address=client.ip_address,
            user_agent=client.agent,
            method=method,
        )
        return await _issue(session, now, settings)
    except IntegrityError:
        # Nothing else can collide: the session id and the token are random. The user is gone, and a
        # session row inserted before the delete went with it (cascade).
        raise Unauthenticated(GONE) from None


async def rotate(token: object, settings: Settings, *, client: Client) -> tuple[User, IssuedRefreshToken]:
    """Spend a refresh token for a new one of the same session, and the user it belongs to.

    A second use of one token revokes its session, but within the reuse grace, where it answers the same
    successor again. Everything happens in one transaction that holds the session row locked, so a
    concurrent rotation or revocation waits for it or comes first. A refusal says why (``reason``).
    """
    text = _clean(token)
    record = await RefreshToken.filter(token_hash=_digest(text)).first()
    if record is None:
        raise refusals.invalid(refusals.REFRESH_INVALID)
    session_id: str = record.session_id  # type: ignore[attr-defined]
    now = _now()
    async with in_transaction():
        session = _live(await Session.filter(id=session_id).select_for_update().first(), record, now)
        # Compare-and-set: of two requests presenting the same token, exactly one spends it.
        spent = await RefreshToken.filter(id=record.id, used_at=None).update(used_at=now)
        if spent:
            user = await _owner(session)
            await Session.filter(id=session_id).update(
                last_used_at=now, ip_address=client.ip_address, user_agent=client.agent
            )
            successor = refresh_successors.successor(text, settings.jwt_secret)
            return user, await _issue(session, now, settings, token=successor)
        again = await _within_grace(record.id, text, session, now, settings)
        if again is not None:
            return await _owner(session), again
        if await Session.filter(id=session_id, revoked_at=None).update(revoked_at=now, end_reason=TOKEN_REVOKED):
            await _announce_ended(session.user_id, now, TOKEN_REVOKED)  # type: ignore[attr-defined]
    await audit.record(
        Kind.REFRESH_TOKEN_REUSED,
        user_id=session.user_id,  # type: ignore[attr-defined]
        client=client,
    )
    raise refusals.TokenRefused(refusals.REFRESH_REUSED, reason=TOKEN_REVOKED)


def _live(session: Session | None, record: RefreshToken, now: datetime) -> Session:
    """The token's session; a token whose session was revoked or is past its end, or that expired itself, is
    refused, saying why."""
    if session is None:  # deleted with its user between the two reads
        raise refusals.ended(SESSION_ENDED, refresh=True)
    if session.revoked_at is not None:
        raise refusals.ended(session.end_reason, refresh=True)
    if session.expires_at <= now:
        raise refusals.ended(SESSION_ENDED, refresh=True)
    if record.expires_at <= now:
        raise refusals.TokenRefused(refusals.REFRESH_EXPIRED, reason=SESSION_ENDED)
    return session


async def _owner(session: Session) -> User:
    user = await lookup.by_id(session.user_id)  # type: ignore[attr-defined]
    if user is None:
        raise refusals.TokenRefused(GONE, reason=SESSION_ENDED)
    return user


async def _within_grace(
    record_id: int, token: str, session: Session, now: datetime, settings: Settings
) -> IssuedRefreshToken | None:
    """The successor a spent token was spent for, when it was spent within the grace and the successor is
    still unspent and unexpired; else None (reuse). Locking reads: they see the rotation that spent it
    (committed before this transaction got the session's lock), also under MySQL's repeatable read."""
    grace = settings.refresh_reuse_grace_seconds
    if grace <= 0:
        return None
    spent = await RefreshToken.filter(id=record_id).select_for_update().first()
    if spent is None or spent.used_at is None or now - spent.used_at > timedelta(seconds=grace):
        return None
    successor = refresh_successors.successor(token, settings.jwt_secret)
    child = await RefreshToken.filter(token_hash=_digest(successor), session_id=session.id).select_for_update().first()
    if child is None or child.used_at is not None or child.expires_at <= now:
        return None
    return _issued(session, successor, child.expires_at, now)


async def revoke(token: object) -> int | None:
    """Log out of one session: the one this refresh token (spent or not) belongs to.

    Returns the session's user when this call ended it (None for an unknown token or an ended session).
    """
    record = await RefreshToken.filter(token_hash=_digest(_clean(token))).select_related("session").first()
    if record is None:
        return None
    user_id: int = record.session.user_id  # type: ignore[attr-defined]
    now = _now()
    async with in_transaction():
        ended = await Session.filter(id=record.session.id, revoked_at=None).update(
            revoked_at=now, end_reason=TOKEN_REVOKED
        )
        if ended:
            await _announce_ended(user_id, now, TOKEN_REVOKED)
    return user_id if ended else None


async def revoke_one(*, user_id: int, session_id: str) -> bool:
    """End one live session of ``user_id``; False when it is not theirs, not live, or unknown."""
    if len(session_id) > SESSION_ID_LENGTH:
        return False
    now = _now()
    async with in_transaction():
        ended = await Session.filter(_live_rows(now), id=session_id, user_id=user_id).update(
            revoked_at=now, end_reason=TOKEN_REVOKED
        )
        if ended:
            await _announce_ended(user_id, now, TOKEN_REVOKED)
    return ended > 0


async def live(*, user_id: int) -> list[Session]:
    """The user's sessions that are neither revoked nor past their end, newest first."""
    return await Session.filter(_live_rows(_now()), user_id=user_id).order_by("-created_at", "-id")


async def revoke_all(user_id: int) -> None:
    """End every session of a user and every access token issued to it, in one transaction.

    Access tokens die with their session (an access token is honoured only while its ``sid`` is a live
    session); the token version is bumped too. The sessions' conditional UPDATE waits for any rotation
    holding one of them, so no successor it inserted stays live.
    """
    now = _now()
    async with in_transaction():
        await User.filter(id=user_id).update(token_version=F("token_version") + 1)
        if await Session.filter(user_id=user_id, revoked_at=None).update(revoked_at=now, end_reason=SESSION_ENDED):
            await _announce_ended(user_id, now, SESSION_ENDED)


async def revoke_others(*, user_id: int, keep: str) -> int:
    """End every live session of a user but ``keep`` (the caller's own); how many ended.

    One conditional UPDATE: access tokens die with their session (their ``sid``), so the token version
    stays and the kept session's tokens work on. It waits for any rotation holding one of the rows.
    """
    now = _now()
    async with in_transaction():
        ended = (
            await Session.filter(user_id=user_id, revoked_at=None)
            .exclude(id=keep)
            .update(revoked_at=now, end_reason=SESSION_ENDED)
        )
        if ended:
            await _announce_ended(user_id, now, SESSION_ENDED)
    return ended


async def _announce_ended(user_id: int, at: datetime, reason: str) -> None:
    """Inside the transaction that revoked them: one session.revoked event per session of ``user_id`` that
    this revocation (stamped ``at``) ended. The rows it updated are this transaction's, locked until it ends;
    one that was already past its absolute end had ended by itself, and raises nothing."""
    ended = await Session.filter(user_id=user_id, revoked_at=at, end_reason=reason, expires_at__gt=at).values_list(
        "id", "user__user_name"
    )
    for session_id, user_name in sorted(ended):
        data = payloads.session_revoked(user_id, str(user_name), session_id=str(session_id), reason=reason)
        await emit("session.revoked", data)
