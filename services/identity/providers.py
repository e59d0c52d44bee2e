"""Sign in with an OpenID Connect provider (or GitHub), for single-page apps.

1. ``start`` (providerSignInUrl, or linkProvider while signed in): a row holds a fresh state, nonce and PKCE
   verifier server-side for PROVIDER_SIGN_IN_TTL; the answer is the provider's authorization URL, whose
   ``state`` parameter the front end keeps (sessionStorage): it is what ties the flow to that browser.
2. ``callback`` (GET /auth/callback/{provider}): the state is consumed (one conditional UPDATE: once), the
   code traded and the ID token checked (services.identity.provider_client); for a sign-in the account is
   found or made (services.identity.provider_accounts), for a link the identity is only kept; the browser
   goes back to ``redirectTo`` with a one-time ``code`` (or ``error``), never a token.
3. ``finish`` (finishProviderSignIn) or ``finish_link`` (finishProviderLink, with the token of the account
   that began the link): the code counts only with the state of the flow that made it, so a code sent to
   someone else's browser signs no one in (login CSRF) and links nothing to another account (link CSRF).
   It is consumed by one conditional UPDATE; a wrong state spends it too. A sign-in then goes as login does;
   with two-factor sign-in on it asks for the TOTP code too (the code stays unused until it comes).

``redirectTo`` must be one of SIGN_IN_REDIRECT_URLS (scheme, host, port and path; a query of its own is kept):
no open redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from prometheus_client import Counter

from models import ProviderSignIn, User
from models.provider_link import SUBJECT_MAX
from models.user import EMAIL_MAX
from services import audit
from services.accounts import lifecycle
from services.accounts.validation import require_str
from services.client import Client
from services.errors import AccountError, InvalidInput, Unauthenticated, Unavailable
from services.identity import (
    one_time_codes,
    provider_accounts,
    provider_client,
    reauthentication,
    sign_in,
    two_factor,
)
from services.identity.provider_accounts import ProviderRefused
from services.identity.provider_client import Identity, ProviderFailed
from services.identity.purpose_keys import purpose_key
from services.people import lookup
from services.security_events import Kind
from services.throttle import LOGIN, PROVIDER_SIGN_IN_STARTS, Throttle
from settings import OidcProvider, Settings

CALLBACK_PATH = "/auth/callback/{provider}"
MAX_CODE_LENGTH = 256
REDIRECT_MAX = 2048

# The callback's ?error= values (besides provider_accounts' EMAIL_IN_USE and ALREADY_LINKED, and
# provider_client's PROVIDER_UNAVAILABLE and PROVIDER_ID_TOKEN_INVALID).
CANCELLED = "PROVIDER_CANCELLED"  # the person pressed Cancel at the provider (access_denied)
PROVIDER_ERROR = "PROVIDER_ERROR"  # any other error the provider redirected with
# extensions.reason of a refused finishProviderSignIn code (UNAUTHENTICATED).
CODE_INVALID = "PROVIDER_CODE_INVALID"
# The callback without a live state: no redirectTo is known, so a page says so (400).
STATE_INVALID = "The sign-in is unknown, already finished or expired; start it again from the app."

UNKNOWN_PROVIDER = "No sign-in provider has this name."
REDIRECT_REFUSED = "redirectTo is not one of the pages SIGN_IN_REDIRECT_URLS allows."
CODE_REFUSED = "The sign-in code is unknown, used or expired; sign in with the provider again."
THROTTLED = "Too many failed sign-ins; try again later."

SIGN_INS = Counter("provider_sign_ins_total", "provider sign-ins, by outcome (ok, or the error or reason)", ["outcome"])


class CodeRefused(Unauthenticated):
    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": CODE_INVALID}


@dataclass(frozen=True)
class Redirect:
    """Where the callback sends the browser: ``url`` is None when no sign-in is known (show ``message``)."""

    url: str | None
    message: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(purpose: str, value: str, settings: Settings) -> str:
    key = purpose_key(settings.jwt_secret, b"provider-sign-in")
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def callback_url(base: str, provider: str) -> str:
    """Our callback's address for ``provider`` (the redirect_uri the provider sends the browser back to)."""
    return base.rstrip("/") + CALLBACK_PATH.format(provider=provider)


def provider_named(name: object, settings: Settings, field: str = "provider") -> OidcProvider:
    text = require_str(name, field)
    found = next((p for p in settings.oidc_providers if p.name == text), None)
    if found is None:
        raise InvalidInput(UNKNOWN_PROVIDER, field=field)
    return found


def allowed_redirect(value: object, settings: Settings) -> str:
    """``redirectTo`` if it is an allowed page (exactly one of SIGN_IN_REDIRECT_URLS, a query of its own
    aside), else BAD_USER_INPUT."""
    text = require_str(value, "redirectTo").strip()
    if len(text) <= REDIRECT_MAX:
        parts = urlsplit(text)
        page = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if not parts.fragment and page in settings.sign_in_redirect_urls:
            return text
    raise InvalidInput(REDIRECT_REFUSED, field="redirectTo")


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


async def start(
    *,
    provider: str,
    redirect_to: str,
    callback_url: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    link_user: User | None = None,
    signed_in_at: float | None = None,
    password: str | None = None,
) -> str:
    """The provider's authorization URL for a new sign-in (or, with ``link_user``, a link to that account: a new
    way into it, so a stolen token alone must not add one: it needs a recent sign-in or the password)."""
    chosen = provider_named(provider, settings)
    target = allowed_redirect(redirect_to, settings)
    if link_user is not None:
        await reauthentication.require_recent_sign_in(
            link_user,
            signed_in_at=signed_in_at,
            password=password,
            field="password",
            settings=settings,
            throttle=throttle,
            client=client,
        )
    await throttle.reserve(*PROVIDER_SIGN_IN_STARTS, address=client.address)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    try:
        url = await provider_client.authorization_url(
            chosen, redirect_uri=callback_url, state=state, nonce=nonce, code_verifier=verifier
        )
    except ProviderFailed as failed:
        await audit.record(
            "provider_unavailable", user_id=None, client=client, provider=chosen.name, detail=failed.detail
        )
        raise Unavailable(f"{chosen.title} cannot be reached right now; try again later.") from None
    await ProviderSignIn.create(
        provider=chosen.name,
        state_hash=_digest("state", state, settings),
        nonce=nonce,
        code_verifier=verifier,
        redirect_to=target,
        link_user_id=link_user.id if link_user is not None else None,
        expires_at=_now() + timedelta(seconds=settings.provider_sign_in_ttl),
    )
    return url


async def callback(
    *, provider: str, params: dict[str, str], callback_url: str, settings: Settings, client: Client
) -> Redirect:
    """The provider's redirect back: consume the state, then send the browser to its ``redirectTo`` with a
    one-time ``code`` (for finishProviderSignIn, or finishProviderLink after linkProvider), or ``error``."""
    state = params.get("state", "")
    chosen = next((p for p in settings.oidc_providers if p.name == provider), None)
    row = None
    if chosen is not None and state and len(state) <= MAX_CODE_LENGTH:
        row = await ProviderSignIn.filter(state_hash=_digest("state", state, settings), provider=chosen.name).first()
    if chosen is None or row is None:
        await audit.record("provider_state_unknown", user_id=None, client=client, provider=provider[:40])
        return Redirect(None, STATE_INVALID)
    spent = await ProviderSignIn.filter(id=row.id, state_used_at=None, expires_at__gt=_now()).update(
        state_used_at=_now()
    )
    if not spent:
        await audit.record("provider_state_spent", user_id=row.link_user_id, client=client, provider=chosen.name)
        return Redirect(None, STATE_INVALID)
    try:
        reason_or_user = await _resolve(
            row, chosen, params, callback_url=callback_url, settings=settings, client=client
        )
    except ProviderRefused as refused:
        reason_or_user = refused.reason
    except AccountError:  # no free user name for a new account (CONFLICT)
        reason_or_user = PROVIDER_ERROR
    if isinstance(reason_or_user, str):
        SIGN_INS.labels(reason_or_user).inc()
        await audit.record(
            Kind.PROVIDER_SIGN_IN_FAILED if row.link_user_id else "provider_sign_in_failed",
            user_id=row.link_user_id,
            client=client,
            provider=chosen.name,
            reason=reason_or_user,
        )
        return Redirect(with_query(row.redirect_to, error=reason_or_user))
    code = secrets.token_urlsafe(32)
    found: dict[str, object] = (
        {"user_id": reason_or_user.id}
        if isinstance(reason_or_user, User)
        else {"link_subject": reason_or_user.subject[:SUBJECT_MAX], "link_email": _fitting(reason_or_user.email)}
    )
    await ProviderSignIn.filter(id=row.id).update(
        **found,
        code_hash=_digest("code", code, settings),
        code_expires_at=_now() + timedelta(seconds=settings.provider_sign_in_ttl),
    )
    return Redirect(with_query(row.redirect_to, code=code))


def _fitting(email: str | None) -> str | None:
    return email if email is not None and len(email) <= EMAIL_MAX else None  # else linked without one


async def _resolve(
    row: ProviderSignIn,
    chosen: OidcProvider,
    params: dict[str, str],
    *,
    callback_url: str,
    settings: Settings,
    client: Client,
) -> User | Identity | str:
    """The account the provider's answer signs in to (or, for a link, the identity to link once the front end
    finishes it), or the ?error= reason."""
    if "error" in params:
        return CANCELLED if params["error"] == "access_denied" else PROVIDER_ERROR
    code = params.get("code", "")
    if not code or len(code) > 4096:
        return PROVIDER_ERROR
    try:
        identity = await provider_client.identity(
            chosen, code=code, code_verifier=row.code_verifier, nonce=row.nonce, redirect_uri=callback_url
        )
    except ProviderFailed as failed:
        await audit.record(
            "provider_answer_refused", user_id=None, client=client, provider=chosen.name, detail=failed.detail
        )
        return failed.reason
    if row.link_user_id is not None:
        return identity
    return await provider_accounts.account_for(chosen.name, identity, settings=settings, client=client)


async def _coded(
    code: object, state: object, *, link_user: User | None, settings: Settings, throttle: Throttle, client: Client
) -> ProviderSignIn:
    """The live flow whose one-time code this is, if ``state`` is that flow's and the flow is of the right kind
    (a sign-in, or a link begun by ``link_user``); else the code is spent (if it was one) and refused."""
    text = require_str(code, "code").strip()
    kept = require_str(state, "state").strip()
    row = None
    if text and len(text) <= MAX_CODE_LENGTH:
        row = await ProviderSignIn.filter(
            code_hash=_digest("code", text, settings), code_used_at=None, code_expires_at__gt=_now()
        ).first()
    if row is not None:
        same_browser = len(kept) <= MAX_CODE_LENGTH and hmac.compare_digest(
            _digest("state", kept, settings), row.state_hash
        )
        same_kind = row.link_user_id == (link_user.id if link_user is not None else None)
        if same_browser and same_kind:
            return row
        # Another browser's code (login CSRF) or another account's link (link CSRF): spent, so never retried.
        await ProviderSignIn.filter(id=row.id, code_used_at=None).update(code_used_at=_now())
        await audit.record(
            "provider_code_misdirected",
            user_id=None,
            client=client,
            provider=row.provider,
            state_matched=same_browser,
            kind_matched=same_kind,
        )
    await throttle.reserve(
        "login_failures_by_address", message=THROTTLED, event="login_throttled", address=client.address
    )
    await audit.record("provider_code_refused", user_id=None, client=client)
    raise CodeRefused(CODE_REFUSED, field="code")


async def finish(
    *, code: str, state: str, otp: str | None, settings: Settings, throttle: Throttle, client: Client
) -> sign_in.SignedIn:
    """Trade the callback's one-time code, with the state of the flow that made it, for a session, once."""
    try:
        signed_in = await _finish(code=code, state=state, otp=otp, settings=settings, throttle=throttle, client=client)
    except AccountError as refused:
        SIGN_INS.labels(CODE_INVALID if isinstance(refused, CodeRefused) else refused.code).inc()
        raise
    SIGN_INS.labels("ok").inc()
    return signed_in


async def _finish(
    *, code: str, state: str, otp: str | None, settings: Settings, throttle: Throttle, client: Client
) -> sign_in.SignedIn:
    second = one_time_codes.parse_optional(otp, "otp")
    row = await _coded(code, state, link_user=None, settings=settings, throttle=throttle, client=client)
    user = await lookup.by_id(row.user_id) if row.user_id is not None else None
    if user is None:
        await throttle.reserve(
            "login_failures_by_address", message=THROTTLED, event="login_throttled", address=client.address
        )
        await audit.record("provider_code_refused", user_id=None, client=client)
        raise CodeRefused(CODE_REFUSED, field="code")
    attempt = await throttle.reserve(
        *LOGIN,
        message=THROTTLED,
        event="login_throttled",
        account=lookup.throttle_account(user),
        address=client.address,
    )
    await two_factor.check_login(user=user, otp=second, settings=settings, attempt=attempt, client=client)
    consumed = await ProviderSignIn.filter(id=row.id, code_used_at=None, code_expires_at__gt=_now()).update(
        code_used_at=_now()
    )
    if not consumed:
        await audit.record("provider_code_refused", user_id=user.id, client=client)
        raise CodeRefused(CODE_REFUSED, field="code")
    await attempt.succeeded()
    user = await lifecycle.admit(user, settings=settings, client=client)  # suspended: FORBIDDEN; restores
    signed_in = await sign_in.start_session(user, settings, client=client, method=f"provider:{row.provider}")
    await audit.record(Kind.SIGN_IN_WITH_PROVIDER, user_id=user.id, client=client, provider=row.provider)
    return signed_in


async def finish_link(
    user: User, *, code: str, state: str, settings: Settings, throttle: Throttle, client: Client
) -> User:
    """Link the identity the callback kept to ``user``, once: only with the code and state of a link that
    ``user`` began (linkProvider), so a link flow sent to someone else's browser links nothing. Refused
    with ALREADY_LINKED (FORBIDDEN) as provider_accounts.link says."""
    try:
        row = await _coded(code, state, link_user=user, settings=settings, throttle=throttle, client=client)
        consumed = await ProviderSignIn.filter(id=row.id, code_used_at=None, code_expires_at__gt=_now()).update(
            code_used_at=_now()
        )
        if not consumed or row.link_subject is None:
            await audit.record("provider_code_refused", user_id=user.id, client=client)
            raise CodeRefused(CODE_REFUSED, field="code")
    except AccountError as refused:
        SIGN_INS.labels(CODE_INVALID if isinstance(refused, CodeRefused) else refused.code).inc()
        raise
    identity = Identity(subject=row.link_subject, email=row.link_email)
    try:
        linked = await provider_accounts.link(user.id, row.provider, identity, client=client)
    except ProviderRefused as refused:
        SIGN_INS.labels(refused.reason).inc()
        await audit.record(
            Kind.PROVIDER_SIGN_IN_FAILED, user_id=user.id, client=client, provider=row.provider, reason=refused.reason
        )
        raise
    SIGN_INS.labels("linked").inc()
    return linked


async def prune(*, now: datetime | None = None) -> int:
    """Delete the sign-ins whose state or code expired a day ago; how many went."""
    cutoff = (now or _now()) - timedelta(days=1)
    return await ProviderSignIn.filter(expires_at__lt=cutoff).delete()
