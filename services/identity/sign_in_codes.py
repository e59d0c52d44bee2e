"""Passwordless sign-in: a 6-digit code and a link, mailed together (``requestSignInCode``), either of which
signs in once (``signInWithCode``, ``signInWithLink``).

The request is answered the same, with the same work, whatever the address: it writes one outbox row, which
the mail sender resolves later (``resolve_request``) into a code and its mail when an account has the
address, else into a code no one is told (no mail), so the answers to the codes of an address (wrong,
expired, used, out of tries) are alike too.

A code is 6 digits: at most MAX_ATTEMPTS tries each (counted before the code is compared, so tries sent
together cannot pass the limit), counted also as failed logins (the login throttle), and only the newest
request of an address counts. The link's token is 256 random bits. Both are stored as keyed hashes
(HMAC with a key derived from JWT_SECRET, services.identity.purpose_keys), expire after
SIGN_IN_CODE_TTL, and die when the account changes its address or password or signs out everywhere. One
conditional UPDATE consumes the row, so of two sign-ins with one code or link exactly one gets in. A link
is never consumed by a GET (mail scanners open links): the front end's page (SIGN_IN_URL) calls the mutation.

A mailbox is one factor: with two-factor sign-in on, the TOTP code is asked for as at login (``otp``), and
the code or link stays unused until it comes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from tortoise.expressions import F

from models import OutboxMail, SignInCode, User
from services import audit
from services.accounts import lifecycle, mail_links
from services.accounts.validation import clean_email, email_key, require_str
from services.client import Client
from services.errors import AccountError, InvalidInput, SecondFactorNeeded, Unauthenticated
from services.identity import one_time_codes, sign_in, two_factor
from services.identity.one_time_tokens import MAX_TOKEN_LENGTH, TOKEN_BYTES
from services.identity.purpose_keys import purpose_key
from services.mail import outbox
from services.people import lookup
from services.security_events import Kind
from services.throttle import LOGIN, SIGN_IN_CODE_REQUESTS, Attempt, Throttle
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

# An outbox row that is no mail yet: a code request, which the sender resolves (resolve_request).
SIGN_IN_CODE_REQUEST = "sign_in_code_request"
TEMPLATE = "sign_in_code"

METHOD = "email_code"  # how its sessions signed in (Session.signInMethod)
DIGITS = 6
MAX_ATTEMPTS = 5  # tries of one code; then it is spent (ask for a new one)
KEY_PURPOSE = b"sign-in-codes"  # of the key codes and links are hashed with (services.identity.purpose_keys)
KEEP_EXPIRED = timedelta(days=1)  # an expired code answers EXPIRED this long, then the clean-up deletes it

# extensions.reason of a refused code or link (extensions.code UNAUTHENTICATED).
WRONG = "SIGN_IN_CODE_WRONG"
EXPIRED = "SIGN_IN_CODE_EXPIRED"
USED = "SIGN_IN_CODE_USED"
TOO_MANY_ATTEMPTS = "SIGN_IN_CODE_TOO_MANY_ATTEMPTS"

MESSAGES = {
    WRONG: "The code is wrong, or no code was asked for this address.",
    EXPIRED: "The code has expired; ask for a new one.",
    USED: "The code was already used, or a newer one was mailed; ask for a new one if you need it.",
    TOO_MANY_ATTEMPTS: f"The code was tried {MAX_ATTEMPTS} times wrong and no longer works; ask for a new one.",
}
LINK_WRONG = "The link is unknown, or no longer belongs to the account it was mailed for."
REQUESTS_THROTTLED = "Too many sign-in codes asked for; try again later."
SIGN_INS_THROTTLED = "Too many failed sign-ins; try again later."

SIGN_INS = Counter(
    "sign_in_code_logins_total", "sign-ins with a mailed code or link, by outcome (ok, or the reason)", ["outcome"]
)

_SEPARATORS = str.maketrans("", "", " -")
_CODE = re.compile(f"[0-9]{{{DIGITS}}}")  # [0-9], not \d: \d matches every script's digits


class CodeRefused(Unauthenticated):
    """A code or link that signs no one in: ``reason`` says why (WRONG, EXPIRED, USED, TOO_MANY_ATTEMPTS)."""

    def __init__(self, reason: str, *, field: str, message: str | None = None) -> None:
        super().__init__(message or MESSAGES[reason], field=field)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": self.reason}


@dataclass(frozen=True)
class Issued:
    code: str
    token: str


def _now() -> datetime:
    return datetime.now(UTC)


def _code_digest(address_key: str, code: str, settings: Settings) -> str:
    """The code's hash, bound to the address: one code mailed to two addresses has two hashes."""
    key = purpose_key(settings.jwt_secret, KEY_PURPOSE)
    return hmac.new(key, f"code\0{address_key}\0{code}".encode(), hashlib.sha256).hexdigest()


def _token_digest(token: str, settings: Settings) -> str:
    key = purpose_key(settings.jwt_secret, KEY_PURPOSE)
    return hmac.new(key, f"link\0{token}".encode(), hashlib.sha256).hexdigest()


def parse_code(value: object, field: str = "code") -> str:
    """The 6 digits ``value`` spells (people type them with spaces or dashes), or BAD_USER_INPUT naming ``field``:
    a malformed code is no guess and is not counted."""
    text = require_str(value, field).strip()
    if len(text) <= one_time_codes.MAX_CODE_LENGTH and text.isascii():
        compact = text.translate(_SEPARATORS)
        if _CODE.fullmatch(compact):
            return compact
    raise InvalidInput(f"{field} is not a sign-in code: send the {DIGITS} digits from the mail.", field=field)


# Asking for a code


async def request_sign_in_code(*, email: str, settings: Settings, throttle: Throttle, client: Client) -> None:
    """Queue a code request for this address. The caller learns nothing, not even by timing: the same work
    whatever the address (one outbox row, no lookup); the sender resolves it later (``resolve_request``)."""
    cleaned = clean_email(email)
    key = email_key(cleaned)
    await throttle.reserve(  # counted whether or not the address is known
        *SIGN_IN_CODE_REQUESTS,
        message=REQUESTS_THROTTLED,
        event="sign_in_code_request_throttled",
        address=client.address,
        email=key,
    )
    await outbox.enqueue(template=SIGN_IN_CODE_REQUEST, to=cleaned, data={"email_key": key, "address": client.address})


async def resolve_request(request: OutboxMail, settings: Settings) -> None:
    """Turn a claimed code request into a code (replacing the address's older ones) and, if an account has the
    address, its mail. One transaction, conditional on the claim (``outbox.resolved``): one request, one code."""
    data = json.loads(request.data)
    key = str(data["email_key"])
    client = Client(str(data["address"]))
    async with transaction():
        if not await outbox.resolved(request):
            return
        user = await lookup.by_login_key(key)
        issued = await _issue(key, user, settings)
        if user is not None and user.email is not None:
            mail = {
                "user_name": user.user_name,
                "code": issued.code,
                "link": mail_links.link(settings.sign_in_url, issued.token),
                "token": issued.token,
                "valid_for": mail_links.duration(settings.sign_in_code_ttl),
            }
            await outbox.enqueue(template=TEMPLATE, to=user.email, data=mail)
    if user is None:
        await audit.record("sign_in_code_unknown_address", user_id=None, client=client)
        return
    await audit.record(Kind.SIGN_IN_CODE_REQUESTED, user_id=user.id, client=client)


async def _issue(key: str, user: User | None, settings: Settings) -> Issued:
    """A new code and link for the address ``key`` (inside the caller's transaction); the older ones end."""
    now = _now()
    await SignInCode.filter(email_key=key, used_at=None).update(used_at=now)
    issued = Issued(code=f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}", token=secrets.token_urlsafe(TOKEN_BYTES))
    await SignInCode.create(
        user_id=user.id if user is not None else None,
        email_key=key,
        code_hash=_code_digest(key, issued.code, settings),
        token_hash=_token_digest(issued.token, settings),
        token_version=user.token_version if user is not None else 0,
        expires_at=now + timedelta(seconds=settings.sign_in_code_ttl),
    )
    return issued


# Signing in


async def sign_in_with_code(
    *, email: str, code: str, settings: Settings, throttle: Throttle, client: Client, otp: str | None = None
) -> sign_in.SignedIn:
    """Sign in with the code mailed to ``email``: the newest one asked for that address, each try counted."""
    return await _counted(
        _with_code(email=email, code=code, otp=otp, settings=settings, throttle=throttle, client=client)
    )


async def sign_in_with_link(
    *, token: str, settings: Settings, throttle: Throttle, client: Client, otp: str | None = None
) -> sign_in.SignedIn:
    """Sign in with the token of a sign-in mail's link (the front end's page sends it, never a GET)."""
    return await _counted(_with_link(token=token, otp=otp, settings=settings, throttle=throttle, client=client))


async def _counted(signing_in: Coroutine[object, object, sign_in.SignedIn]) -> sign_in.SignedIn:
    """Await the sign-in, counting its outcome in ``sign_in_code_logins_total`` (GET /metrics)."""
    try:
        signed_in = await signing_in
    except CodeRefused as refused:
        SIGN_INS.labels(refused.reason).inc()
        raise
    except AccountError as refused:
        SIGN_INS.labels(refused.code).inc()
        raise
    SIGN_INS.labels("ok").inc()
    return signed_in


async def _with_code(
    *, email: str, code: str, otp: str | None, settings: Settings, throttle: Throttle, client: Client
) -> sign_in.SignedIn:
    key = email_key(clean_email(email))
    typed = parse_code(code)  # malformed: BAD_USER_INPUT, not counted
    second = one_time_codes.parse_optional(otp, "otp")
    user = await lookup.by_login_key(key)
    # The login throttle's own counts: a wrong code is a failed login of that account (or of that address).
    attempt = await throttle.reserve(
        *LOGIN,
        message=SIGN_INS_THROTTLED,
        event="login_throttled",
        account=lookup.throttle_account(user, key),
        address=client.address,
    )
    row = await SignInCode.filter(email_key=key).order_by("-id").first()
    if row is None:
        await _failed(user, client, WRONG, via="code")
        raise CodeRefused(WRONG, field="code")
    # Claim a try first (tries sent together are each counted before any is compared).
    tried = await SignInCode.filter(id=row.id, used_at=None, expires_at__gt=_now(), attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not tried:
        reason = await _why_spent(row.id)
        await _failed(user, client, reason, via="code")
        raise CodeRefused(reason, field="code")
    owner = user if _belongs(row, user) else None
    if owner is None or not hmac.compare_digest(row.code_hash, _code_digest(key, typed, settings)):
        await _failed(user, client, WRONG, via="code")
        left = MAX_ATTEMPTS - row.attempts - 1  # as read before this try: others sent at once may have gone first
        tries = "No tries left: ask for a new code." if left <= 0 else f"{left} {'try' if left == 1 else 'tries'} left."
        message = f"{MESSAGES[WRONG]} {tries}"
        raise CodeRefused(WRONG, field="code", message=message)
    try:
        await two_factor.check_login(user=owner, otp=second, settings=settings, attempt=attempt, client=client)
    except SecondFactorNeeded as needed:
        if needed.reason == two_factor.OTP_REQUIRED:  # the right code: its try is given back, as login's
            await SignInCode.filter(id=row.id, attempts__gt=0).update(attempts=F("attempts") - 1)
        raise
    return await _finish(row, owner, attempt, settings=settings, client=client, via_code=True)


async def _with_link(
    *, token: str, otp: str | None, settings: Settings, throttle: Throttle, client: Client
) -> sign_in.SignedIn:
    text = require_str(token, "token")
    second = one_time_codes.parse_optional(otp, "otp")
    row = None
    if text and len(text) <= MAX_TOKEN_LENGTH:
        row = await SignInCode.filter(token_hash=_token_digest(text, settings)).first()
    user = await lookup.by_id(row.user_id) if row is not None and row.user_id is not None else None
    if row is None or user is None or not _belongs(row, user):
        # No account to count against: counted per client address, as a failed login of no one.
        await throttle.reserve(
            "login_failures_by_address", message=SIGN_INS_THROTTLED, event="login_throttled", address=client.address
        )
        await audit.record("sign_in_link_unknown", user_id=None, client=client)
        raise CodeRefused(WRONG, field="token", message=LINK_WRONG)
    attempt = await throttle.reserve(
        *LOGIN,
        message=SIGN_INS_THROTTLED,
        event="login_throttled",
        account=lookup.throttle_account(user),
        address=client.address,
    )
    live = SignInCode.filter(id=row.id, used_at=None, expires_at__gt=_now(), attempts__lt=MAX_ATTEMPTS)
    if not await live.exists():
        reason = await _why_spent(row.id)
        await _failed(user, client, reason, via="link")
        raise CodeRefused(reason, field="token")
    await two_factor.check_login(user=user, otp=second, settings=settings, attempt=attempt, client=client)
    return await _finish(row, user, attempt, settings=settings, client=client, via_code=False)


def _belongs(row: SignInCode, user: User | None) -> bool:
    """Whether the code is still the account's: mailed to it, at the address it has, before its last password
    change or logoutAll."""
    return (
        user is not None
        and row.user_id == user.id
        and user.email_key == row.email_key
        and user.token_version == row.token_version
    )


async def _why_spent(row_id: int) -> str:
    """Why a code no longer works (read again: a concurrent sign-in may have just used it)."""
    row = await SignInCode.filter(id=row_id).first()
    if row is None or row.used_at is not None:
        return USED
    if row.attempts >= MAX_ATTEMPTS:
        return TOO_MANY_ATTEMPTS
    return EXPIRED


async def _failed(user: User | None, client: Client, reason: str, *, via: str) -> None:
    """A failed sign-in: in the account's history when an account has the address; the log line only if not."""
    await audit.record(
        Kind.SIGN_IN_CODE_FAILED, user_id=user.id if user else None, client=client, reason=reason, via=via
    )


async def _finish(
    row: SignInCode, user: User, attempt: Attempt, *, settings: Settings, client: Client, via_code: bool
) -> sign_in.SignedIn:
    """Consume the code (one conditional UPDATE: of two sign-ins with it, one gets past), then sign in as login
    does. Reading the mail proved the address: it counts as verified.

    A code's own try was claimed before it was compared (it may be the last allowed); a link needs tries left.
    """
    tries = {"attempts__lte": MAX_ATTEMPTS} if via_code else {"attempts__lt": MAX_ATTEMPTS}
    async with transaction():
        consumed = await SignInCode.filter(id=row.id, used_at=None, expires_at__gt=_now(), **tries).update(
            used_at=_now()
        )
        verified = consumed and await User.filter(id=user.id, email_key=row.email_key, email_verified=False).update(
            email_verified=True
        )
        if verified and user.email is not None:
            await emit("user.email_verified", payloads.email_verified(user, user.email))
    if not consumed:
        reason = await _why_spent(row.id)
        await _failed(user, client, reason, via="code" if via_code else "link")
        raise CodeRefused(reason, field="code" if via_code else "token")
    if verified:
        user.email_verified = True  # what the payload shows
        await audit.record(Kind.EMAIL_VERIFIED, user_id=user.id, client=client)
    await attempt.succeeded()
    user = await lifecycle.admit(user, settings=settings, client=client)  # suspended: FORBIDDEN; restores
    signed_in = await sign_in.start_session(user, settings, client=client, method=METHOD)
    await audit.record(Kind.SIGN_IN_WITH_CODE if via_code else Kind.SIGN_IN_WITH_LINK, user_id=user.id, client=client)
    return signed_in


# Upkeep


async def prune(*, now: datetime | None = None) -> int:
    """Delete the codes that expired more than KEEP_EXPIRED ago (decoys of unknown addresses included); how many
    went. One conditional DELETE: instances running it at once do the work once between them."""
    cutoff = (now or _now()) - KEEP_EXPIRED
    return await SignInCode.filter(expires_at__lt=cutoff).delete()
