"""The signing-key store: the key pairs access tokens are signed with (JWT_ALGORITHM EdDSA, ES256 or RS256),
kept in the database so that every instance signs with the same key and publishes the same set.

A key's life: ``next`` (published at ``/.well-known/jwks.json``, not signing yet, so verifiers learn it before
the first token it signs), ``active`` (signing; at most one, guarded by a row lock and a unique column), then
``retired`` (when another key is activated: still published and still verifying until the last token it signed
has expired, ``retired_at`` + ACCESS_TOKEN_TTL + leeway; then only listed). The first key generated is active at
once. The private key is stored only as a Fernet token (TOTP_ENCRYPTION_KEY, as TOTP secrets are).

Keys are made with ``cryptography`` and turned into JWKs by PyJWT (``jwt.algorithms``); no signature code here.
Each process signs and verifies with its keyring (services/identity/keyring.py), reloaded from this store.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from tortoise.exceptions import IntegrityError

from models import SigningKey
from models.signing_key import ACTIVE_SLOT
from services.errors import Conflict, InvalidInput, NotFound
from services.transactions import transaction
from settings import Settings, SettingsError

log = logging.getLogger("app.keys")

NEXT = "next"
ACTIVE = "active"
RETIRED = "retired"
STATES = (NEXT, ACTIVE, RETIRED)
ASYMMETRIC = ("EdDSA", "ES256", "RS256")
LEEWAY_SECONDS = 10  # services.identity.access_tokens.LEEWAY_SECONDS: clock skew between instances
RSA_BITS = 2048

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class KeyInfo:
    """A key as ``keys list`` shows it; never its private half."""

    kid: str
    algorithm: str
    state: str
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    published_until: datetime | None  # retired: when its grace ends; None while next or active

    @property
    def published(self) -> bool:
        return self.published_until is None or self.published_until > datetime.now(UTC)


def grace(settings: Settings) -> timedelta:
    """How long a retired key stays published and verifying: the longest an access token it signed can live."""
    return timedelta(seconds=settings.access_token_ttl + LEEWAY_SECONDS)


def info(key: SigningKey, settings: Settings) -> KeyInfo:
    until = key.retired_at + grace(settings) if key.state == RETIRED and key.retired_at is not None else None
    return KeyInfo(key.kid, key.algorithm, key.state, key.created_at, key.activated_at, key.retired_at, until)


async def list_keys(settings: Settings) -> list[KeyInfo]:
    """Every key, oldest first."""
    return [info(key, settings) for key in await SigningKey.all().order_by("created_at", "kid")]


async def generate(settings: Settings, *, algorithm: str | None = None, now: datetime | None = None) -> KeyInfo:
    """A new key pair of ``algorithm`` (JWT_ALGORITHM): active when no key is, else ``next``."""
    algorithm = _asymmetric(algorithm or settings.jwt_algorithm)
    now = now or datetime.now(UTC)
    private = new_private_key(algorithm)
    fields = new_key_fields(private, algorithm, settings, now)
    try:  # one INSERT: the unique active_slot lets only one of several keys made at once be active
        key = await SigningKey.create(**fields, state=ACTIVE, active_slot=ACTIVE_SLOT, activated_at=now)
    except IntegrityError:
        key = await SigningKey.create(**fields, state=NEXT)
    return info(key, settings)


async def ensure_active(settings: Settings) -> bool:
    """Development start-up (and first use): an active key of JWT_ALGORITHM when there is none; False when one
    exists. Workers starting together make one between them: the others' INSERT hits the unique active_slot."""
    if await SigningKey.filter(state=ACTIVE).exists():
        return False
    now = datetime.now(UTC)
    private = new_private_key(settings.jwt_algorithm)
    try:
        await SigningKey.create(
            **new_key_fields(private, settings.jwt_algorithm, settings, now),
            state=ACTIVE,
            active_slot=ACTIVE_SLOT,
            activated_at=now,
        )
    except IntegrityError:
        return False
    return True


async def activate(kid: str, settings: Settings, *, now: datetime | None = None, force: bool = False) -> KeyInfo:
    """Make the ``next`` key ``kid`` the signing key; the active one is retired and stays published through its
    grace. Refused for a key published for less than JWKS_MAX_AGE (verifiers may not have fetched it yet)
    unless ``force``. Activations at the same moment run one after the other (the keys are locked first)."""
    now = now or datetime.now(UTC)
    try:
        async with transaction():
            keys = await SigningKey.filter(state__in=(NEXT, ACTIVE)).order_by("kid").select_for_update()
            key = next((each for each in keys if each.kid == kid), None)
            if key is None:
                await _refuse_missing_or_retired(kid)
            assert key is not None  # noqa: S101 - _refuse_missing_or_retired raised otherwise
            if key.state == ACTIVE:
                raise Conflict(f"Key {kid} is already the active key.", field="kid")
            published_for = (now - key.created_at).total_seconds()
            if published_for < settings.jwks_max_age and not force:
                wait = int(settings.jwks_max_age - published_for) + 1
                raise Conflict(
                    f"Key {kid} has been published for {int(published_for)} s only; verifiers may cache the JWKS "
                    f"for {settings.jwks_max_age} s (JWKS_MAX_AGE) and would refuse its tokens. Wait {wait} s, "
                    "or pass --now to activate it anyway.",
                    field="kid",
                )
            for old in keys:  # the active slot freed first: it is unique
                if old.state == ACTIVE:
                    old.state, old.active_slot, old.retired_at = RETIRED, None, now
                    await old.save(update_fields=["state", "active_slot", "retired_at"])
            key.state, key.active_slot, key.activated_at = ACTIVE, ACTIVE_SLOT, now
            await key.save(update_fields=["state", "active_slot", "activated_at"])
    except IntegrityError:
        raise Conflict("Another key was activated at the same moment; run `keys list` and try again.") from None
    return info(key, settings)


async def retire(kid: str, settings: Settings, *, now: datetime | None = None) -> KeyInfo:
    """Withdraw a ``next`` key (it has signed nothing). The active key is refused: activate another first. A
    retired key is left as it is (published until its grace ends)."""
    now = now or datetime.now(UTC)
    async with transaction():
        key = await SigningKey.filter(kid=kid).select_for_update().first()
        if key is None:
            raise NotFound(f"There is no key {kid}; `keys list` shows them.", field="kid")
        if key.state == ACTIVE:
            raise Conflict(
                f"Key {kid} is the active key: generate a new one and activate it first (`keys generate`, "
                "`keys activate KID`); the old one is then retired and stays published until its tokens expire.",
                field="kid",
            )
        if key.state == NEXT:
            key.state, key.retired_at = RETIRED, now
            await key.save(update_fields=["state", "retired_at"])
    return info(key, settings)


async def active_since(settings: Settings) -> datetime | None:
    """When the first asymmetric key became active: HS256 tokens issued before it are still honoured."""
    first = await SigningKey.filter(activated_at__not_isnull=True).order_by("activated_at").first()
    return first.activated_at if first is not None else None


async def check_configured(settings: Settings) -> None:
    """Start-up, with an asymmetric JWT_ALGORITHM: development makes a first key; production needs one (and the
    Fernet key it is encrypted with) and names the command that makes it."""
    if not settings.asymmetric_tokens:
        return
    settings.totp_keys()  # production without TOTP_ENCRYPTION_KEY: SettingsError saying how to make one
    if settings.is_production:
        active = await SigningKey.filter(state=ACTIVE).first()
        if active is None:
            raise SettingsError(
                f"JWT_ALGORITHM={settings.jwt_algorithm} and no active signing key: create one with "
                "`python main.py keys generate` (or set JWT_ALGORITHM=HS256)."
            )
        try:
            private_key(active, settings)
        except InvalidToken:
            raise SettingsError(
                f"TOTP_ENCRYPTION_KEY does not decrypt the active signing key {active.kid}: set the key it was "
                "made with (older keys go after the current one, space separated)."
            ) from None
        return
    if await ensure_active(settings):
        log.info("no signing key: generated an active %s key (development)", settings.jwt_algorithm)


# Keys and their storage


def new_private_key(algorithm: str) -> PrivateKey:
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def public_jwk(public: PublicKey, *, kid: str, algorithm: str) -> dict[str, Any]:
    """The public JWK as the JWKS publishes it (PyJWT's conversion), with ``kid``, ``alg`` and ``use``."""
    converter: Any = {"EdDSA": OKPAlgorithm, "ES256": ECAlgorithm, "RS256": RSAAlgorithm}[algorithm]
    jwk: dict[str, Any] = converter.to_jwk(public, as_dict=True)
    return {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}


def private_key(key: SigningKey, settings: Settings) -> PrivateKey:
    """The decrypted private key of ``key``."""
    pem = _cipher(settings.totp_keys()).decrypt(key.private_key.encode("ascii"))
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)  # noqa: S101
    return loaded


def new_key_fields(private: PrivateKey, algorithm: str, settings: Settings, now: datetime) -> dict[str, Any]:
    kid = secrets.token_urlsafe(16)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "kid": kid,
        "algorithm": algorithm,
        "public_jwk": json.dumps(public_jwk(private.public_key(), kid=kid, algorithm=algorithm)),
        "private_key": _cipher(settings.totp_keys()).encrypt(pem).decode("ascii"),
        "created_at": now,
    }


def _asymmetric(algorithm: str) -> str:
    if algorithm not in ASYMMETRIC:
        raise InvalidInput(
            f"JWT_ALGORITHM={algorithm} signs with JWT_SECRET, not with a key pair; set JWT_ALGORITHM to EdDSA, "
            "ES256 or RS256 to use signing keys.",
            field="algorithm",
        )
    return algorithm


async def _refuse_missing_or_retired(kid: str) -> None:
    key = await SigningKey.filter(kid=kid).first()
    if key is None:
        raise NotFound(f"There is no key {kid}; `keys list` shows them.", field="kid")
    raise Conflict(f"Key {kid} is retired; generate a new key instead.", field="kid")


@lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])
