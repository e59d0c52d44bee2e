"""Two-factor sign-in: TOTP codes from an authenticator app (RFC 6238) and one-time recovery codes.

The secret is stored only as a Fernet token (TOTP_ENCRYPTION_KEY) and returned once, by the setup.
Recovery codes are stored only as SHA-256 hashes: 80 random bits each, so a hash cannot be reversed
by trying codes. A TOTP code is accepted once: the last accepted time step is claimed with one
conditional UPDATE, so of two requests with one code exactly one gets in.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import pyotp
import segno
from cryptography.fernet import Fernet, MultiFernet
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import RecoveryCode, TwoFactorSecret, User
from services import audit
from services.accounts.validation import FieldChecks, check_password_size
from services.client import OPERATOR, Client
from services.errors import Conflict, Forbidden, InvalidInput, NotFound, SecondFactorNeeded
from services.identity import reauthentication, sessions
from services.identity.one_time_codes import (
    DIGITS,
    RECOVERY_ALPHABET,
    RECOVERY_GROUP_LENGTH,
    RECOVERY_GROUPS,
    Code,
    parse,
)
from services.mail import outbox
from services.people import lookup
from services.security_events import Kind
from services.throttle import Attempt, Throttle
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings, SettingsError

STEP_SECONDS = 30  # RFC 6238 defaults, what every authenticator app assumes: SHA-1, 6 digits, 30 s
DRIFT_STEPS = 1  # a code of the step before or after the server's clock is still accepted
RECOVERY_CODE_COUNT = 10  # the codes' shape: services/identity/one_time_codes.py

OTP_REQUIRED = "OTP_REQUIRED"
OTP_INVALID = "OTP_INVALID"


@dataclass(frozen=True)
class Setup:
    """What an authenticator app needs, shown once: the secret, as text, as a URI and as a QR code."""

    secret: str
    otpauth_uri: str
    qr_code_svg: str


# Setting up, turning on and off


async def begin_setup(*, user: User, password: str, settings: Settings, throttle: Throttle, client: Client) -> Setup:
    """A new secret for ``user``, waiting for its first code (confirm); nothing is enforced yet."""
    if user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on; turn it off first to set up a new app.")
    await _reauthenticate(user, password, None, settings=settings, throttle=throttle, client=client)
    cipher = _cipher(settings)
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    encrypted = cipher.encrypt(secret.encode("ascii")).decode("ascii")
    # One row per user: a second setup before confirming replaces the first secret.
    async with in_transaction():
        await TwoFactorSecret.filter(user_id=user.id).delete()
        await TwoFactorSecret.create(user_id=user.id, encrypted_secret=encrypted)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.user_name, issuer_name=settings.totp_issuer)
    return Setup(secret=secret, otpauth_uri=uri, qr_code_svg=_qr_code_svg(uri))


def _qr_code_svg(uri: str) -> str:
    """The QR code as a standalone SVG document (with its xmlns, so saved as a file it opens as an image),
    without an XML declaration, so it can also be put into a page as it is."""
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", xmldecl=False, nl=False, scale=4)
    return svg.getvalue().decode("utf-8")


async def confirm(
    *, user: User, code: str, settings: Settings, throttle: Throttle, client: Client, session_id: str | None = None
) -> list[str]:
    """Turn two-factor sign-in on with a current code of the new secret; return the recovery codes.

    A wrong code counts like a failed login. Every other session ends; the caller's (``session_id``) is kept.
    """
    if user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on.")
    pending = await TwoFactorSecret.filter(user_id=user.id, confirmed_at=None).first()
    if pending is None:
        raise Conflict("No two-factor setup is waiting; call beginTwoFactorSetup first.")
    cleaned = parse(code, "code", recovery=False).text  # a malformed code is no guess: not counted
    matched: list[int] = []

    async def code_is_right() -> None:
        step = _matching_step(_decrypt(pending.encrypted_secret, settings), cleaned)
        if step is None:
            await audit.record(Kind.LOGIN_FAILED, user_id=user.id, client=client, factor="otp")
            raise InvalidInput("The code is wrong; enter the current code from the authenticator app.", field="code")
        matched.append(step)

    await reauthentication.verify(user, settings=settings, throttle=throttle, client=client, second=code_is_right)
    step = matched[0]
    codes = _new_recovery_codes()
    async with transaction():
        # Conditional on the secret the code was checked against: a setup begun meanwhile wins.
        claimed = await TwoFactorSecret.filter(
            id=pending.id, confirmed_at=None, encrypted_secret=pending.encrypted_secret
        ).update(confirmed_at=_now(), last_used_step=step)
        if not claimed:
            raise Conflict("The two-factor setup changed meanwhile; start again with beginTwoFactorSetup.")
        if await User.filter(id=user.id, two_factor_enabled=False).update(two_factor_enabled=True):
            await emit("user.updated", payloads.updated(user, ["two_factor_enabled"]))
        await _store_recovery_codes(user.id, codes)
        await _end_sessions(user, keep=session_id)
        await _notify(user, "two_factor_enabled")
    await audit.record(Kind.TWO_FACTOR_ENABLED, user_id=user.id, client=client)
    return codes


async def disable(
    *,
    user: User,
    password: str,
    code: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    session_id: str | None = None,
) -> None:
    """Turn two-factor sign-in off, with the password and a code (TOTP or recovery).

    Every other session ends; the caller's (``session_id``) is kept.
    """
    _require_enabled(user)
    await _reauthenticate(user, password, code, settings=settings, throttle=throttle, client=client, keep=session_id)
    await _turn_off(user, keep=session_id)
    await audit.record(Kind.TWO_FACTOR_DISABLED, user_id=user.id, client=client)


async def regenerate_recovery_codes(
    *,
    user: User,
    password: str,
    code: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    session_id: str | None = None,
) -> list[str]:
    """Ten new recovery codes; every earlier one stops working."""
    _require_enabled(user)
    await _reauthenticate(user, password, code, settings=settings, throttle=throttle, client=client, keep=session_id)
    codes = _new_recovery_codes()
    async with in_transaction():
        await _store_recovery_codes(user.id, codes)
    await audit.record(Kind.RECOVERY_CODES_REGENERATED, user_id=user.id, client=client)
    return codes


async def disable_by_operator(*, user_name: str) -> User:
    """Turn a user's two-factor sign-in off without a code (``python main.py disable-2fa``): a lost phone."""
    user = await lookup.by_name(user_name)
    if user is None:
        raise NotFound(f"No user is named {user_name!r}.", field="userName")
    await _turn_off(user)
    await audit.record(Kind.TWO_FACTOR_DISABLED, user_id=user.id, client=OPERATOR, by="operator")
    return user


# Signing in


async def check_login(*, user: User, otp: Code | None, settings: Settings, attempt: Attempt, client: Client) -> None:
    """After the password: with two-factor sign-in on, a valid code (TOTP or recovery) is needed too.

    ``otp`` is what the client sent, already parsed (services.identity.one_time_codes); None when it sent none.

    ``attempt`` is the login's count under the login throttle: a wrong code leaves it counted, like a
    wrong password; a missing one gives it back (the password was right, the client just asks next).
    """
    if not user.two_factor_enabled:
        return
    if otp is None:
        await attempt.given_back()
        raise SecondFactorNeeded(
            "This account uses two-factor sign-in: send the code from the authenticator app as otp.",
            reason=OTP_REQUIRED,
        )
    if not await _use_code(user, otp, settings=settings, client=client):
        await audit.record(Kind.LOGIN_FAILED, user_id=user.id, client=client, factor="otp")
        raise SecondFactorNeeded("The code is wrong or was already used.", reason=OTP_INVALID)


async def check_configured(*, settings: Settings) -> None:
    """Start-up in production: refuse to run without TOTP_ENCRYPTION_KEY once anyone uses two-factor sign-in."""
    if not settings.totp_encryption_key and await TwoFactorSecret.all().exists():
        settings.totp_keys()  # raises SettingsError saying how to make a key


# Codes


async def _use_code(user: User, code: Code, *, settings: Settings, client: Client, keep: str | None = None) -> bool:
    """Accept a current TOTP code or an unused recovery code, each once."""
    if code.recovery:
        return await _use_recovery_code(user, code.text, client, keep)
    return await _use_totp(user, code.text, settings)


async def _use_totp(user: User, code: str, settings: Settings) -> bool:
    record = await TwoFactorSecret.filter(user_id=user.id).exclude(confirmed_at=None).first()
    if record is None:
        return False
    step = _matching_step(_decrypt(record.encrypted_secret, settings), code)
    if step is None:
        return False
    # Claim the step: a code of this step or an earlier one was used, or is being used right now.
    claimed = await TwoFactorSecret.filter(Q(last_used_step=None) | Q(last_used_step__lt=step), id=record.id).update(
        last_used_step=step
    )
    return bool(claimed)


async def _use_recovery_code(user: User, code: str, client: Client, keep: str | None) -> bool:
    async with transaction():
        used = await RecoveryCode.filter(user_id=user.id, code_hash=_digest(code), used_at=None).update(used_at=_now())
        if not used:
            return False
        # Whoever had the account open may be the reason the owner fell back on a recovery code. At login
        # the new session starts after this; a signed-in caller keeps its own (``keep``).
        await _end_sessions(user, keep=keep)
        await _notify(user, "recovery_code_used")
    await audit.record(Kind.RECOVERY_CODE_USED, user_id=user.id, client=client)
    return True


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code ``code`` is, within the allowed drift; None if none."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(time.time() if now is None else now) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _new_recovery_codes() -> list[str]:
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]


async def _store_recovery_codes(user_id: int, codes: list[str]) -> None:
    """Replace the user's recovery codes (call inside a transaction)."""
    await RecoveryCode.filter(user_id=user_id).delete()
    await RecoveryCode.bulk_create(
        [RecoveryCode(user_id=user_id, code_hash=_digest(code.replace("-", ""))) for code in codes]
    )


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


# State


def _require_enabled(user: User) -> None:
    if not user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is off.")


async def _turn_off(user: User, *, keep: str | None = None) -> None:
    async with transaction():
        await TwoFactorSecret.filter(user_id=user.id).delete()
        await RecoveryCode.filter(user_id=user.id).delete()
        if await User.filter(id=user.id, two_factor_enabled=True).update(two_factor_enabled=False):
            await emit("user.updated", payloads.updated(user, ["two_factor_enabled"]))
        await _end_sessions(user, keep=keep)
        await _notify(user, "two_factor_disabled")


async def _notify(user: User, template: str) -> None:
    """Tell the owner, at the account's address, that its second factor changed (queued in the caller's transaction)."""
    if user.email:
        await outbox.enqueue(template=template, to=user.email, data={"user_name": user.user_name})


async def _end_sessions(user: User, *, keep: str | None) -> None:
    """End every session of the user but ``keep`` (the caller's own), their access tokens with them.

    Without ``keep`` (the operator's command; a login, whose new session starts after this) every
    session ends and the token version is bumped too.
    """
    if keep is None:
        await sessions.revoke_all(user.id)
        await user.refresh_from_db(fields=["token_version"])
    else:
        await sessions.revoke_others(user_id=user.id, keep=keep)


async def _reauthenticate(
    user: User,
    password: str,
    code: str | None,
    *,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    keep: str | None = None,
) -> None:
    """The password (and a code) again, for a change to the second factor; counted like a login. A password
    over the size limit and a malformed code (no guess: not counted) are reported together."""
    checks = FieldChecks()
    checks.check(lambda: check_password_size(password))
    parsed = None if code is None else checks.check(lambda: parse(code, "code"))
    checks.raise_refused(("password", "code"))

    async def code_is_right() -> None:
        assert parsed is not None  # noqa: S101 - only passed when a code was sent
        if not await _use_code(user, parsed, settings=settings, client=client, keep=keep):
            await audit.record(Kind.LOGIN_FAILED, user_id=user.id, client=client, factor="otp")
            raise InvalidInput("The code is wrong or was already used.", field="code")

    await reauthentication.verify(
        user,
        settings=settings,
        throttle=throttle,
        client=client,
        password=password,
        second=None if parsed is None else code_is_right,
    )


# The secret at rest


def _cipher(settings: Settings) -> MultiFernet:
    try:
        keys = settings.totp_keys()
    except SettingsError:
        raise Forbidden(
            "Two-factor sign-in is not available: the server has no TOTP_ENCRYPTION_KEY. Ask its operator."
        ) from None
    return _fernet(keys)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _decrypt(encrypted: str, settings: Settings) -> str:
    return _fernet(settings.totp_keys()).decrypt(encrypted.encode("ascii")).decode("ascii")


def _now() -> datetime:
    return datetime.now(UTC)
