"""Signing keys (README, Tokens for other services): the store's rules (the first key is active at once, the
next one is published before it signs, activation retires the old one, which stays published for the life of its
last token), at most one active key whatever runs at once, the private key encrypted at rest, and the tokens
the keyring refuses: alg none, HS256 signed with a public key, an unknown kid, a tampered token, a retired key's
after its grace, and a JWT_SECRET token minted after the first key became active."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization

from models import SigningKey
from services.errors import AccountError, Conflict, InvalidInput, NotFound
from services.identity import access_tokens, signing_keys
from services.identity.keyring import Keys, keyring
from services.identity.refusals import TOKEN_INVALID, TokenRefused
from settings import Settings, SettingsError
from tests.support import forged as forged_tokens
from tests.support import replace

ROUNDS = 30
PUBLISHED = timedelta(hours=1)  # longer ago than JWKS_MAX_AGE: a key that may be activated


def _token(settings: Settings, keys: Keys, *, now: float | None = None) -> str:
    return access_tokens.issue_access_token(
        user_id=7, token_version=0, session_id="s1", settings=settings, keys=keys, now=now
    ).token


def _refusal(token: str, settings: Settings, keys: Keys, now: float | None = None) -> str:
    with pytest.raises(TokenRefused) as refused:
        access_tokens.decode_access_token(token, settings=settings, keys=keys, now=now)
    return refused.value.reason


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def test_the_first_key_is_active_at_once_and_the_next_waits(db: str, settings: Settings) -> None:
    first = await signing_keys.generate(settings)
    second = await signing_keys.generate(settings)

    assert (first.state, first.algorithm, first.activated_at is not None) == ("active", "EdDSA", True)
    assert (second.state, second.activated_at) == ("next", None)
    assert [(key.kid, key.state) for key in await signing_keys.list_keys(settings)] == [
        (first.kid, "active"),
        (second.kid, "next"),
    ]
    keys = await keyring().reload(settings)
    assert keys.signing is not None and keys.signing.kid == first.kid  # signs with the active one
    assert {key.kid for key in keys.published()} == {first.kid, second.kid}  # the next one is published too


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
async def test_each_algorithm_signs_tokens_its_published_key_verifies(
    db: str, settings: Settings, algorithm: str
) -> None:
    settings = replace(settings, jwt_algorithm=algorithm)
    keys = await keyring().reload(settings)  # development: a first key made on first use
    assert keys.signing is not None and keys.signing.algorithm == algorithm

    token = _token(settings, keys)

    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == (algorithm, keys.signing.kid)
    published = keys.verifying[keys.signing.kid].jwk
    assert (published["kid"], published["alg"], published["use"]) == (keys.signing.kid, algorithm, "sig")
    assert "d" not in published  # the private part never
    verified = jwt.decode(token, jwt.PyJWK(published).key, algorithms=[algorithm], audience=settings.jwt_audience)
    assert verified["sub"] == "7"


async def test_activation_waits_for_the_jwks_cache_unless_now(db: str, settings: Settings) -> None:
    await signing_keys.generate(settings)
    fresh = await signing_keys.generate(settings)

    with pytest.raises(Conflict) as refused:
        await signing_keys.activate(fresh.kid, settings)
    assert "--now" in refused.value.message and "JWKS_MAX_AGE" in refused.value.message
    assert (await SigningKey.get(kid=fresh.kid)).state == "next"

    assert (await signing_keys.activate(fresh.kid, settings, force=True)).state == "active"


async def test_activation_retires_the_old_key_which_stays_published_until_its_last_token_expires(
    db: str, settings: Settings
) -> None:
    old = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
    new = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
    keys = await keyring().reload(settings)
    old_token = _token(settings, keys)

    activated = await signing_keys.activate(new.kid, settings)
    keys = await keyring().reload(settings)

    by_kid = {key.kid: key for key in await signing_keys.list_keys(settings)}
    retired = by_kid[old.kid]
    assert (activated.state, retired.state) == ("active", "retired")
    assert retired.retired_at is not None and retired.published_until is not None
    assert retired.published_until == retired.retired_at + timedelta(seconds=settings.access_token_ttl + 10)
    assert keys.signing is not None and keys.signing.kid == new.kid
    new_token = _token(settings, keys)
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid
    # Within the grace both verify: no one is signed out by the rotation.
    for token in (old_token, new_token):
        assert access_tokens.decode_access_token(token, settings=settings, keys=keys).user_id == 7
    assert old.kid in {key.kid for key in keys.published()}
    # After it, the old key is gone from the JWKS and its tokens are refused.
    later = retired.published_until.timestamp() + 1
    assert old.kid not in {key.kid for key in keys.published(later)}
    assert new.kid in {key.kid for key in keys.published(later)}


async def test_retire_withdraws_a_next_key_and_refuses_the_active_one(db: str, settings: Settings) -> None:
    active = await signing_keys.generate(settings)
    spare = await signing_keys.generate(settings)

    with pytest.raises(Conflict) as refused:
        await signing_keys.retire(active.kid, settings)
    assert "activate" in refused.value.message
    withdrawn = await signing_keys.retire(spare.kid, settings)

    assert withdrawn.state == "retired"
    assert (await SigningKey.get(kid=active.kid)).state == "active"
    with pytest.raises(Conflict):
        await signing_keys.activate(spare.kid, settings, force=True)  # a retired key never signs again


async def test_unknown_kids_and_a_wrong_algorithm_are_refused_clearly(db: str, settings: Settings) -> None:
    await signing_keys.generate(settings)
    failures: list[AccountError] = []
    for call in (
        signing_keys.activate("no-such-kid", settings, force=True),
        signing_keys.retire("no-such-kid", settings),
        signing_keys.generate(replace(settings, jwt_algorithm="HS256")),
    ):
        with pytest.raises(AccountError) as refused:
            await call
        failures.append(refused.value)

    assert [type(failure) for failure in failures] == [NotFound, NotFound, InvalidInput]
    assert "HS256" in failures[2].message


async def test_two_activations_at_once_leave_exactly_one_active_key(db: str, settings: Settings) -> None:
    await signing_keys.generate(settings)
    for _ in range(ROUNDS):
        one = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
        two = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
        barrier = asyncio.Barrier(2)

        async def activate(kid: str, barrier: asyncio.Barrier = barrier) -> object:
            await barrier.wait()
            return await signing_keys.activate(kid, settings)

        outcomes = await asyncio.gather(activate(one.kid), activate(two.kid), return_exceptions=True)

        assert not [outcome for outcome in outcomes if not isinstance(outcome, signing_keys.KeyInfo | Conflict)]
        assert await SigningKey.filter(state="active").count() == 1, outcomes
        assert await SigningKey.filter(active_slot__not_isnull=True).count() == 1


async def test_first_keys_made_at_once_leave_exactly_one_active_key(db: str, settings: Settings) -> None:
    for _ in range(ROUNDS):
        await SigningKey.all().delete()
        barrier = asyncio.Barrier(3)

        async def ensure(barrier: asyncio.Barrier = barrier) -> bool:
            await barrier.wait()
            return await signing_keys.ensure_active(settings)

        made = await asyncio.gather(ensure(), ensure(), ensure())

        assert made.count(True) == 1
        assert await SigningKey.filter(state="active").count() == await SigningKey.all().count() == 1


async def test_the_private_key_is_stored_encrypted_with_the_totp_key(db: str, settings: Settings) -> None:
    made = await signing_keys.generate(settings)
    row = await SigningKey.get(kid=made.kid)

    assert "PRIVATE KEY" not in row.private_key
    pem = Fernet(settings.totp_keys()[0]).decrypt(row.private_key.encode())
    private = serialization.load_pem_private_key(pem, password=None)
    public = json.loads(row.public_jwk)
    assert jwt.PyJWK(public).key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    ) == private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


async def test_forged_and_foreign_tokens_are_invalid(db: str, settings: Settings) -> None:
    keys = await keyring().reload(settings)
    assert keys.signing is not None
    good = _token(settings, keys)
    claims = _claims(good)
    jwk = keys.verifying[keys.signing.kid].jwk
    header_with_a_number_kid = forged_tokens.b64(json.dumps({"alg": "EdDSA", "kid": 5}).encode())
    foreign_key = signing_keys.new_private_key("EdDSA")
    forged = {
        "alg none": forged_tokens.unsigned(good),
        "alg none without kid": jwt.encode(claims, None, algorithm="none"),
        "HS256 with the public key": forged_tokens.hs256_with_public_key(good, jwk),
        "tampered": forged_tokens.tampered(good, sub="8"),
        "unknown kid": jwt.encode(claims, foreign_key, algorithm="EdDSA", headers={"kid": "not-ours"}),  # type: ignore[arg-type]
        "our kid, another key": jwt.encode(claims, foreign_key, algorithm="EdDSA", headers={"kid": keys.signing.kid}),  # type: ignore[arg-type]
        "kid not a string": header_with_a_number_kid + good[good.index(".") :],
    }

    assert access_tokens.decode_access_token(good, settings=settings, keys=keys).user_id == 7
    reasons = {name: _refusal(token, settings, keys) for name, token in forged.items()}
    assert reasons == dict.fromkeys(forged, TOKEN_INVALID)


async def test_a_retired_keys_tokens_are_refused_after_its_grace(db: str, settings: Settings) -> None:
    old = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
    keys = await keyring().reload(settings)
    issued = time.time()
    token = _token(settings, keys, now=issued)
    new = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
    await signing_keys.activate(new.kid, settings)
    keys = await keyring().reload(settings)
    ends = keys.verifying[old.kid].published_until
    assert ends is not None

    assert ends >= issued + settings.access_token_ttl + 10  # the grace outlives every token the key signed
    assert access_tokens.decode_access_token(token, settings=settings, keys=keys).user_id == 7
    # Past the grace the key no longer speaks for anything, and says no more than "invalid".
    assert _refusal(token, settings, keys, now=ends + 1) == TOKEN_INVALID


async def test_jwt_secret_tokens_are_honoured_only_if_issued_before_the_first_key(db: str, settings: Settings) -> None:
    hs256 = replace(settings, jwt_algorithm="HS256")
    before = time.time() - 60
    old = access_tokens.issue_access_token(user_id=7, token_version=0, session_id="s1", settings=hs256, now=before)
    await signing_keys.generate(settings, now=datetime.now(UTC) - timedelta(seconds=30))
    keys = await keyring().reload(settings)
    since = keys.asymmetric_since
    assert since is not None
    after = access_tokens.issue_access_token(user_id=7, token_version=0, session_id="s1", settings=hs256)
    late_expiry = jwt.encode(
        {**_claims(old.token), "exp": int(since) + settings.access_token_ttl + 3600},
        settings.jwt_secret,
        algorithm="HS256",
    )

    assert "kid" not in jwt.get_unverified_header(old.token)
    assert access_tokens.decode_access_token(old.token, settings=settings, keys=keys).user_id == 7  # no sign-out
    assert _refusal(after.token, settings, keys) == TOKEN_INVALID  # minted with the secret after the move
    assert _refusal(late_expiry, settings, keys) == TOKEN_INVALID  # backdated, but living past the move


async def test_a_kid_another_instance_activated_is_found_by_a_rate_limited_reload(db: str, settings: Settings) -> None:
    await keyring().reload(settings)
    other = await signing_keys.generate(settings, now=datetime.now(UTC) - PUBLISHED)
    await signing_keys.activate(other.kid, settings)  # as another instance's CLI would: this keyring is stale
    row = await SigningKey.get(kid=other.kid)
    private = signing_keys.private_key(row, settings)
    claims = {
        "sub": "7", "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "j",
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "ver": 0, "sid": "s1",
    }  # fmt: skip
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": other.kid})  # type: ignore[arg-type]
    garbage = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "garbage"})  # type: ignore[arg-type]

    assert (await access_tokens.verify(token, settings=settings)).user_id == 7  # reloaded once, found
    with pytest.raises(TokenRefused) as refused:
        await access_tokens.verify(garbage, settings=settings)
    assert refused.value.reason == TOKEN_INVALID
    queries_before = keyring()._loaded_at
    with pytest.raises(TokenRefused):
        await access_tokens.verify(garbage, settings=settings)  # within the pause: no reload
    assert keyring()._loaded_at == queries_before


async def test_start_up_makes_a_key_in_development_and_requires_one_in_production(db: str, settings: Settings) -> None:
    production = replace(settings, app_env="production")
    with pytest.raises(SettingsError) as refused:
        await signing_keys.check_configured(production)
    assert "python main.py keys generate" in str(refused.value)

    await signing_keys.check_configured(settings)  # development (and tests): one made
    await signing_keys.check_configured(settings)  # and only one
    assert [key.state for key in await signing_keys.list_keys(settings)] == ["active"]
    await signing_keys.check_configured(production)

    another_fernet_key = Fernet.generate_key().decode()
    with pytest.raises(SettingsError) as undecryptable:
        await signing_keys.check_configured(replace(production, totp_encryption_key=(another_fernet_key,)))
    assert "does not decrypt" in str(undecryptable.value)
    rotated = (another_fernet_key, *settings.totp_keys())  # a new Fernet key first, the old one still decrypts
    await signing_keys.check_configured(replace(production, totp_encryption_key=rotated))
    await signing_keys.check_configured(replace(production, jwt_algorithm="HS256", totp_encryption_key=()))
