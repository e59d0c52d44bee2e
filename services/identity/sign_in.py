"""Signing in and out: login, token refresh, logout, and the user an access token speaks for."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter

from models import User
from services import audit
from services.accounts import lifecycle
from services.accounts.validation import FieldChecks, check_lookup_text, check_password_size
from services.client import Client
from services.errors import AccountError, NotFound, Unauthenticated
from services.identity import access_tokens, one_time_codes, passwords, refusals, sessions, two_factor
from services.people import lookup
from services.security_events import Kind
from services.throttle import LOGIN, Throttle
from settings import Settings

LOGIN_FAILED = "Wrong user name or password."
LOGIN_THROTTLED = "Too many failed logins; try again later."
LOGIN_ORDER = ("userName", "password", "otp")  # login's arguments, the order their errors are reported in
LOGINS = Counter("logins_total", "login attempts by outcome (ok, or the error's code)", ["outcome"])


@dataclass(frozen=True)
class SignedIn:
    """What a client gets from signing in or refreshing: the user and a fresh token pair."""

    user: User
    access_token: access_tokens.AccessToken
    refresh_token: sessions.IssuedRefreshToken


async def start_session(user: User, settings: Settings, *, client: Client, method: str = "password") -> SignedIn:
    """The one way a session begins (register, login, any sign-in to come): a session row, its first
    refresh token and an access token. ``method`` is how it signed in ("password", "passkey", ...), shown by
    ``sessions``. A user deleted meanwhile is UNAUTHENTICATED."""
    refresh_token = await sessions.start(user, settings, client=client, method=method)
    access_token = await _access_token(user, refresh_token, settings)
    return SignedIn(user=user, access_token=access_token, refresh_token=refresh_token)


async def _access_token(
    user: User, refresh_token: sessions.IssuedRefreshToken, settings: Settings
) -> access_tokens.AccessToken:
    keys = await access_tokens.signing_keys_for(settings)
    return access_tokens.issue_access_token(
        user_id=user.id,
        token_version=user.token_version,
        session_id=refresh_token.session_id,
        session_ends=refresh_token.session_ends.timestamp(),
        auth_time=refresh_token.signed_in_at.timestamp(),
        settings=settings,
        keys=keys,
    )


async def user_for_token(claims: access_tokens.TokenClaims) -> User:
    """The user a token speaks for, while its session is live; a deleted user, an ended session or an
    outdated version is refused, with the reason (TOKEN_REVOKED or SESSION_ENDED)."""
    user = await sessions.user_of_live_session(
        user_id=claims.user_id, session_id=claims.session_id, token_version=claims.version
    )
    if user is None:
        reason = await sessions.end_reason(user_id=claims.user_id, session_id=claims.session_id)
        raise refusals.ended(reason, refresh=False)
    return user


async def login(
    *,
    user_name: str,
    password: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    otp: str | None = None,
) -> SignedIn:
    """Check a user name (or email) and password. Unknown user and wrong password look alike. Every attempt
    counts in ``logins_total`` by outcome (GET /metrics)."""
    try:
        signed_in = await _login(
            user_name=user_name, password=password, settings=settings, throttle=throttle, client=client, otp=otp
        )
    except AccountError as refused:
        LOGINS.labels(refused.code).inc()
        raise
    LOGINS.labels("ok").inc()
    return signed_in


async def _login(
    *,
    user_name: str,
    password: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    otp: str | None,
) -> SignedIn:
    checks = FieldChecks()  # each argument's form, whatever the account: every one at fault reported together
    checks.check(lambda: check_lookup_text(user_name, "userName"))
    checks.check(lambda: check_password_size(password))
    code = checks.check(lambda: one_time_codes.parse_optional(otp, "otp"))  # None too for no code
    checks.raise_refused(LOGIN_ORDER)
    typed = lookup.login_key(user_name.strip())
    user = await lookup.by_login_key(typed)
    # Counted per account, by name or email alike; an unknown name per name typed, so counts reveal nothing.
    # Counted before the password is checked, so attempts sent together cannot pass the limit.
    attempt = await throttle.reserve(
        *LOGIN,
        message=LOGIN_THROTTLED,
        event="login_throttled",
        account=lookup.throttle_account(user, typed),
        address=client.address,
    )
    hashed = user.password_hash if user is not None else None
    if not await passwords.verify_password(password, hashed, rounds=settings.bcrypt_rounds) or user is None:
        # Never a row for a name no one holds: the log line only.
        await audit.record(Kind.LOGIN_FAILED, user_id=user.id if user else None, client=client)
        raise Unauthenticated(LOGIN_FAILED)
    await two_factor.check_login(user=user, otp=code, settings=settings, attempt=attempt, client=client)
    await attempt.succeeded()
    user = await lifecycle.admit(user, settings=settings, client=client)  # suspended: FORBIDDEN; restores
    await passwords.upgrade_legacy_hash(user, password, rounds=settings.bcrypt_rounds)
    signed_in = await start_session(user, settings, client=client)
    await audit.record(Kind.LOGIN, user_id=user.id, client=client)
    return signed_in


async def refresh(*, refresh_token: str, settings: Settings, throttle: Throttle, client: Client) -> SignedIn:
    """Rotate a refresh token: a new access token and a new refresh token of the same session."""
    await throttle.reserve("refreshes", address=client.address)
    user, renewed = await sessions.rotate(refresh_token, settings, client=client)
    return SignedIn(user=user, access_token=await _access_token(user, renewed, settings), refresh_token=renewed)


async def logout(*, refresh_token: str, client: Client) -> None:
    """End the refresh token's session, its access tokens included."""
    user_id = await sessions.revoke(refresh_token)
    if user_id is not None:
        await audit.record(Kind.LOGOUT, user_id=user_id, client=client)


async def logout_all(*, user: User, client: Client) -> None:
    """Revoke every session and every access token of ``user``."""
    await sessions.revoke_all(user.id)
    await audit.record(Kind.LOGOUT, event="logout_all", user_id=user.id, client=client)


async def revoke_session(*, user: User, session_id: str, client: Client) -> None:
    """End one of the caller's own live sessions, its refresh and access tokens at once."""
    if not await sessions.revoke_one(user_id=user.id, session_id=sessions.clean_id(session_id)):
        raise NotFound("You have no live session with this id.", field="id")
    await audit.record(Kind.SESSION_REVOKED, user_id=user.id, client=client)
