"""Passkeys (WebAuthn Level 3): register one for the signed-in account, sign in with one, list, rename, delete.

Every ceremony check is py_webauthn's (``webauthn``): the client data's type, challenge and origin, the RP ID
hash, user presence and verification, the attestation ('none' or a verifiable one) and the assertion's
signature. Each refusal has a stable ``extensions.reason`` (REASONS). Challenges come from
services.identity.passkey_challenges: random, single use, 5 minutes.

A passkey sign-in is a strong sign-in (something held, unlocked by the person: user verification is
required): it creates a session like a password login (Session.method "passkey") without asking for the
TOTP code, counts in the login throttle and writes a security event. Adding or removing a passkey mails the
owner. The signature counter is compared after the signature is proven (py_webauthn compares it first, so
a forged response could pass itself off as a clone): a counter that does not go up is refused, recorded as
PASSKEY_CLONE_SUSPECTED. An account without a password cannot delete its last passkey.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import webauthn
from tortoise.exceptions import IntegrityError
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from models import Passkey, User
from models.passkey import PASSKEY_NAME_MAX
from services import audit
from services.accounts import lifecycle
from services.accounts.validation import check_lookup_text, clean_text, require_str
from services.client import Client
from services.errors import (
    AccountError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RecentSignInRequired,
    Unauthenticated,
)
from services.identity import passkey_challenges, reauthentication, sign_in_methods
from services.identity.passkey_challenges import AUTHENTICATION, REGISTRATION
from services.identity.sign_in import SignedIn, start_session
from services.mail import outbox
from services.people import lookup
from services.security_events import Kind
from services.throttle import LOGIN, Throttle
from services.transactions import transaction
from settings import Settings

METHOD = "passkey"  # Session.method of a passkey sign-in
MAX_CREDENTIAL_CHARS = 64_000  # a credential's JSON: attestation certificates included, far below this
USER_HANDLE_BYTES = 32
DEFAULT_NAME = "Passkey"
NO_ACCOUNT = 0  # a sign-in challenge for a userName no one holds: no credential belongs to account 0

# Refusals: each its own stable extensions.reason.
OFF = "PASSKEYS_OFF"
INVALID = "PASSKEY_INVALID"  # not a credential's JSON at all, or a check without a reason of its own
ORIGIN_MISMATCH = "PASSKEY_ORIGIN_MISMATCH"
RP_ID_MISMATCH = "PASSKEY_RP_ID_MISMATCH"
SIGNATURE_INVALID = "PASSKEY_SIGNATURE_INVALID"
SIGN_COUNT_REGRESSED = "PASSKEY_SIGN_COUNT_REGRESSED"
USER_VERIFICATION_MISSING = "PASSKEY_USER_VERIFICATION_MISSING"
USER_PRESENCE_MISSING = "PASSKEY_USER_PRESENCE_MISSING"
CHALLENGE_EXPIRED = "PASSKEY_CHALLENGE_EXPIRED"
CHALLENGE_USED = "PASSKEY_CHALLENGE_USED"
UNKNOWN = "PASSKEY_UNKNOWN"
ALREADY_REGISTERED = "PASSKEY_ALREADY_REGISTERED"

# py_webauthn raises one exception type per ceremony; its message says which check failed.
_LIBRARY_REASONS = (
    ("client data origin", ORIGIN_MISMATCH),
    ("RP ID hash", RP_ID_MISMATCH),
    ("User verification is required", USER_VERIFICATION_MISSING),
    ("User was not present", USER_PRESENCE_MISSING),
    ("User presence was required", USER_PRESENCE_MISSING),
    ("verify authentication signature", SIGNATURE_INVALID),
    ("Attestation statement could not be verified", SIGNATURE_INVALID),
)
MESSAGES = {
    INVALID: "The passkey response is malformed or failed a check.",
    ORIGIN_MISMATCH: "The passkey was used from a page whose origin is not one of WEBAUTHN_ORIGINS.",
    RP_ID_MISMATCH: "The passkey belongs to another site (its relying party ID is not WEBAUTHN_RP_ID).",
    SIGNATURE_INVALID: "The passkey's signature does not verify.",
    SIGN_COUNT_REGRESSED: "The passkey's signature counter went backwards, as a copied authenticator's does; "
    "the sign-in was refused and recorded.",
    USER_VERIFICATION_MISSING: "The authenticator did not verify the person (PIN or biometrics); it must.",
    USER_PRESENCE_MISSING: "The authenticator did not confirm the person was present.",
    CHALLENGE_EXPIRED: "The passkey challenge expired (after 5 minutes); begin again.",
    CHALLENGE_USED: "The passkey challenge is unknown or was already used; begin again.",
    UNKNOWN: "This passkey is not registered here, or not for this account.",
}


class _WithReason(AccountError):
    """A refusal whose ``extensions.reason`` tells a front end which case it is."""

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": self.reason}


class SignInRefused(_WithReason, Unauthenticated):
    """finishPasskeyLogin refused: UNAUTHENTICATED with a reason."""


class BadCredential(_WithReason, InvalidInput):
    """A credential that is no credential's JSON, or a registration refused: BAD_USER_INPUT on ``credential``
    with a reason."""


class PasskeyConflict(_WithReason, Conflict):
    """A change that cannot be made as things are: CONFLICT with a reason."""


class PasskeysOff(_WithReason, Forbidden):
    """PASSKEYS_ENABLED is false."""


@dataclass(frozen=True)
class Relying:
    rp_id: str
    origins: list[str]


def _relying_party(settings: Settings) -> Relying:
    if not settings.passkeys_on:
        raise PasskeysOff("Passkeys are off on this server (PASSKEYS_ENABLED).", reason=OFF)
    return Relying(settings.relying_party_id, list(settings.relying_party_origins))


def _key(credential_id: bytes) -> str:
    return hashlib.sha256(credential_id).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _library_reason(error: Exception) -> str:
    message = str(error)
    return next((reason for fragment, reason in _LIBRARY_REASONS if fragment in message), INVALID)


# Registering


async def begin_registration(*, user: User, settings: Settings, signed_in_at: float | None, client: Client) -> str:
    """The creation options for a new passkey of ``user``, as the JSON that
    ``PublicKeyCredential.parseCreationOptionsFromJSON`` takes.

    A passkey is a way in for good, so a stolen access token must not add one: the caller's session must
    have signed in within RECENT_SIGN_IN_SECONDS (``signed_in_at``, its tokens' auth_time), else FORBIDDEN
    with reason RECENT_SIGN_IN_REQUIRED.
    """
    relying = _relying_party(settings)
    if not reauthentication.is_recent(signed_in_at, settings):
        await audit.record(Kind.RECENT_SIGN_IN_REQUIRED, user_id=user.id, client=client)
        raise RecentSignInRequired("Adding a passkey needs a recent sign-in: sign in again, then add it.")
    existing = await Passkey.filter(user_id=user.id).order_by("id")
    # One user handle per account, kept on its passkeys: an authenticator replaces its passkey for the same
    # handle rather than adding a second one.
    handle = existing[0].user_handle if existing else bytes_to_base64url(secrets.token_bytes(USER_HANDLE_BYTES))
    challenge = await passkey_challenges.issue(REGISTRATION, settings=settings, user_id=user.id, user_handle=handle)
    options = webauthn.generate_registration_options(
        rp_id=relying.rp_id,
        rp_name=settings.webauthn_rp_name,
        user_name=user.user_name,
        user_id=base64url_to_bytes(handle),
        user_display_name=user.user_name,
        challenge=challenge,
        timeout=passkey_challenges.CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,  # discoverable: sign-in needs no userName
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id)) for passkey in existing
        ],
    )
    return webauthn.options_to_json(options)


async def finish_registration(
    *, user: User, credential: object, name: object, settings: Settings, client: Client
) -> Passkey:
    """Verify the created credential (``PublicKeyCredential.toJSON()``'s JSON) against the challenge of
    ``begin_registration`` and keep it as a passkey of ``user`` named ``name``; the owner is mailed."""
    relying = _relying_party(settings)
    label = _clean_name(name)
    parsed = _parse_registration(credential)
    challenge = _challenge_of(parsed)
    issued = await passkey_challenges.consume(challenge, settings=settings)
    _check_issued(issued, REGISTRATION, BadCredential)
    assert issued is not None  # noqa: S101 - _check_issued refused None
    if issued.user_id != user.id or issued.user_handle is None:
        raise BadCredential(MESSAGES[CHALLENGE_USED], reason=CHALLENGE_USED, field="credential")
    try:
        verified = webauthn.verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=relying.rp_id,
            expected_origin=relying.origins,
            require_user_verification=True,
        )
    except WebAuthnException as refused:
        reason = _library_reason(refused)
        raise BadCredential(MESSAGES[reason], reason=reason, field="credential") from None
    try:
        async with transaction():
            passkey = await Passkey.create(
                user_id=user.id,
                credential_key=_key(verified.credential_id),
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=bytes_to_base64url(verified.credential_public_key),
                sign_count=verified.sign_count,
                user_handle=issued.user_handle,
                name=label,
                aaguid=verified.aaguid,
                backed_up=verified.credential_backed_up,
            )
            await _notify(user, "passkey_added", label)
    except IntegrityError:
        # The credential id is unique: this passkey is registered already (to this account or, by a
        # misbehaving authenticator, another), or the account is gone.
        raise PasskeyConflict(
            "This passkey is registered already.", reason=ALREADY_REGISTERED, field="credential"
        ) from None
    await audit.record(Kind.PASSKEY_ADDED, user_id=user.id, client=client)
    return passkey


# Signing in


async def begin_login(*, user_name: object, settings: Settings) -> str:
    """The request options of a passkey sign-in, as the JSON ``PublicKeyCredential.parseRequestOptionsFromJSON``
    takes. Passkeys are discoverable, so the options name no credential; with ``user_name`` the sign-in is
    bound to that account (a passkey of another one is refused), and whether the name exists shows nowhere."""
    relying = _relying_party(settings)
    account: int | None = None
    if user_name is not None:
        typed = lookup.login_key(check_lookup_text(user_name, "userName").strip())
        user = await lookup.by_login_key(typed)
        account = user.id if user is not None else NO_ACCOUNT
    challenge = await passkey_challenges.issue(AUTHENTICATION, settings=settings, user_id=account)
    options = webauthn.generate_authentication_options(
        rp_id=relying.rp_id,
        challenge=challenge,
        timeout=passkey_challenges.CHALLENGE_SECONDS * 1000,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return webauthn.options_to_json(options)


async def finish_login(*, credential: object, settings: Settings, throttle: Throttle, client: Client) -> SignedIn:
    """Verify the assertion (``PublicKeyCredential.toJSON()``'s JSON) against the challenge of ``begin_login``
    and start a session of the passkey's account; no TOTP code is asked."""
    relying = _relying_party(settings)
    parsed = _parse_authentication(credential)
    challenge = _challenge_of(parsed)
    issued = await passkey_challenges.consume(challenge, settings=settings)
    _check_issued(issued, AUTHENTICATION, SignInRefused)
    assert issued is not None  # noqa: S101 - _check_issued refused None
    passkey = await Passkey.filter(credential_key=_key(parsed.raw_id)).first()
    user = await lookup.by_id(passkey.user_id) if passkey is not None else None  # type: ignore[attr-defined]
    # Counted before anything is verified, per account (or per unknown credential) and address, as a login is.
    attempt = await throttle.reserve(
        *LOGIN,
        message="Too many failed sign-ins; try again later.",
        event="login_throttled",
        account=lookup.throttle_account(user, f"passkey:{_key(parsed.raw_id)}"),
        address=client.address,
    )
    if (
        passkey is None
        or user is None
        or (issued.user_id is not None and issued.user_id != user.id)
        or (parsed.response.user_handle and bytes_to_base64url(parsed.response.user_handle) != passkey.user_handle)
    ):
        await audit.record("passkey_unknown", user_id=None, client=client)
        raise SignInRefused(MESSAGES[UNKNOWN], reason=UNKNOWN)
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=relying.rp_id,
            expected_origin=relying.origins,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=0,  # compared below, once the signature is proven
            require_user_verification=True,
        )
    except WebAuthnException as refused:
        reason = _library_reason(refused)
        await audit.record(Kind.LOGIN_FAILED, user_id=user.id, client=client, factor=METHOD, reason=reason)
        raise SignInRefused(MESSAGES[reason], reason=reason) from None
    if not await _advance_counter(passkey, verified.new_sign_count, verified.credential_backed_up):
        await audit.record(
            Kind.PASSKEY_CLONE_SUSPECTED,
            user_id=user.id,
            client=client,
            passkey=passkey.id,
            stored=passkey.sign_count,
            received=verified.new_sign_count,
        )
        raise SignInRefused(MESSAGES[SIGN_COUNT_REGRESSED], reason=SIGN_COUNT_REGRESSED)
    await attempt.succeeded()
    user = await lifecycle.admit(user, settings=settings, client=client)  # suspended: FORBIDDEN; restores
    signed_in = await start_session(user, settings, client=client, method=METHOD)
    await audit.record(Kind.PASSKEY_SIGN_IN, user_id=user.id, client=client, passkey=passkey.id)
    return signed_in


async def _advance_counter(passkey: Passkey, received: int, backed_up: bool) -> bool:
    """Move the stored signature counter to ``received``, which must be above it (one conditional UPDATE, so
    of two sign-ins with one counter value one wins); authenticators that keep no counter send 0 each time."""
    now = _now()
    if received == 0 and passkey.sign_count == 0:
        await Passkey.filter(id=passkey.id).update(last_used_at=now, backed_up=backed_up)
        return True
    moved = await Passkey.filter(id=passkey.id, sign_count__lt=received).update(
        sign_count=received, last_used_at=now, backed_up=backed_up
    )
    return moved > 0


# Managing


async def list_of(*, user: User) -> list[Passkey]:
    """The caller's passkeys, oldest first."""
    return await Passkey.filter(user_id=user.id).order_by("created_at", "id")


async def count(user: User) -> int:
    return await Passkey.filter(user_id=user.id).count()


async def rename(*, user: User, passkey_id: object, name: object) -> Passkey:
    label = _clean_name(name)
    key = _clean_id(passkey_id)
    if not await Passkey.filter(id=key, user_id=user.id).update(name=label):
        raise NotFound("You have no passkey with this id.", field="id")
    return await Passkey.get(id=key)


async def delete(*, user: User, passkey_id: object, client: Client) -> None:
    """Delete one of the caller's passkeys; an account without a password keeps its last one (its only way
    to sign in). The account row is locked meanwhile, so two deletes at once cannot both pass that rule."""
    key = _clean_id(passkey_id)
    async with transaction():
        ways = await sign_in_methods.locked(user.id)
        passkey = await Passkey.filter(id=key, user_id=user.id).first()
        if passkey is None:
            raise NotFound("You have no passkey with this id.", field="id")
        sign_in_methods.keep_one(
            ways,
            "This is the account's only way to sign in: set a password, add another passkey or link a provider first.",
            field="id",
        )
        await Passkey.filter(id=key).delete()
        await _notify(user, "passkey_removed", passkey.name)
    await audit.record(Kind.PASSKEY_REMOVED, user_id=user.id, client=client, passkey=key)


# Parts


def _clean_name(name: object) -> str:
    if name is None:
        return DEFAULT_NAME
    return clean_text(name, field="name", max_length=PASSKEY_NAME_MAX) or DEFAULT_NAME


def _clean_id(passkey_id: object) -> int:
    text = require_str(passkey_id, "id")
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        raise InvalidInput("id is not a passkey id.", field="id")
    return int(text)


def _parse_registration(credential: object) -> RegistrationCredential:
    text = _credential_text(credential)
    try:
        return parse_registration_credential_json(text)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise BadCredential(MESSAGES[INVALID], reason=INVALID, field="credential") from None


def _parse_authentication(credential: object) -> AuthenticationCredential:
    text = _credential_text(credential)
    try:
        return parse_authentication_credential_json(text)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise BadCredential(MESSAGES[INVALID], reason=INVALID, field="credential") from None


def _credential_text(credential: object) -> str:
    text = require_str(credential, "credential")
    if len(text) > MAX_CREDENTIAL_CHARS:
        raise BadCredential(MESSAGES[INVALID], reason=INVALID, field="credential")
    return text


def _challenge_of(credential: RegistrationCredential | AuthenticationCredential) -> bytes:
    """The challenge the client data answers (read with py_webauthn's parser; verified again by its checks)."""
    try:
        return parse_client_data_json(credential.response.client_data_json).challenge
    except (WebAuthnException, ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise BadCredential(MESSAGES[INVALID], reason=INVALID, field="credential") from None


def _check_issued(issued: passkey_challenges.Issued | None, purpose: str, refused: type[_WithReason]) -> None:
    field = "credential" if refused is BadCredential else None
    if issued is None or issued.purpose != purpose:
        raise refused(MESSAGES[CHALLENGE_USED], reason=CHALLENGE_USED, field=field)
    if issued.expired(_now()):
        raise refused(MESSAGES[CHALLENGE_EXPIRED], reason=CHALLENGE_EXPIRED, field=field)


async def _notify(user: User, template: str, passkey_name: str) -> None:
    """Tell the owner, at the account's address, inside the caller's transaction (the outbox)."""
    if user.email:
        await outbox.enqueue(
            template=template, to=user.email, data={"user_name": user.user_name, "passkey_name": passkey_name}
        )
