"""Access tokens with JWT_ALGORITHM=HS256: what issue_access_token puts in a token and which tokens
decode_access_token refuses. (Signing keys: tests/unit/test_signed_tokens.py.)"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from services.errors import Unauthenticated
from services.identity.access_tokens import LEEWAY_SECONDS, TokenClaims, decode_access_token, issue_access_token
from settings import Settings
from tests.support import replace

OTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with HS256: tokens signed with JWT_SECRET, as before signing keys."""
    return replace(settings, jwt_algorithm="HS256")


def valid_claims(settings: Settings, **changes: object) -> dict[str, Any]:
    """Claims decode_access_token accepts, with ``changes`` applied (a value of ``...`` drops the claim)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "7",
        "iat": now,
        "exp": now + settings.access_token_ttl,
        "jti": "0123456789abcdef",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "ver": 3,
        "sid": "s" * 32,
    }
    for name, value in changes.items():
        if value is ...:
            del claims[name]
        else:
            claims[name] = value
    return claims


def refused(token: str, settings: Settings) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        decode_access_token(token, settings=settings)
    assert caught.value.code == "UNAUTHENTICATED"
    return caught.value


def test_round_trip_returns_user_id_and_version(settings: Settings) -> None:
    issued = issue_access_token(user_id=42, token_version=5, session_id="s1", settings=settings)

    assert decode_access_token(issued.token, settings=settings) == TokenClaims(user_id=42, version=5, session_id="s1")
    assert issued.expires_in == settings.access_token_ttl


def test_hand_built_valid_claims_decode(settings: Settings) -> None:
    """The baseline the refusal tests below depart from, one claim at a time."""
    token = jwt.encode(valid_claims(settings), settings.jwt_secret, algorithm="HS256")
    assert decode_access_token(token, settings=settings) == TokenClaims(user_id=7, version=3, session_id="s" * 32)


def test_token_header_and_payload(settings: Settings) -> None:
    settings = replace(settings, access_token_ttl=1234)
    now = 1_900_000_000

    token = issue_access_token(user_id=42, token_version=5, session_id="s1", settings=settings, now=now).token

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "iat", "exp", "jti", "iss", "aud", "ver", "sid"}
    assert payload["sub"] == "42"
    assert payload["iat"] == now
    assert payload["exp"] - payload["iat"] == settings.access_token_ttl == 1234
    assert payload["iss"] == settings.jwt_issuer
    assert payload["aud"] == settings.jwt_audience
    assert payload["ver"] == 5
    assert payload["sid"] == "s1"
    assert isinstance(payload["jti"], str) and payload["jti"]


def test_each_token_has_its_own_jti(settings: Settings) -> None:
    first = issue_access_token(user_id=1, token_version=0, session_id="s1", settings=settings, now=1_900_000_000).token
    second = issue_access_token(user_id=1, token_version=0, session_id="s1", settings=settings, now=1_900_000_000).token

    first_jti = jwt.decode(first, options={"verify_signature": False})["jti"]
    second_jti = jwt.decode(second, options={"verify_signature": False})["jti"]
    assert first_jti != second_jti


def test_expired_token_is_refused(settings: Settings) -> None:
    long_ago = time.time() - settings.access_token_ttl - 3600
    token = issue_access_token(user_id=1, token_version=0, session_id="s1", settings=settings, now=long_ago).token

    error = refused(token, settings)
    assert "expired" in error.message


def test_token_just_inside_the_leeway_is_accepted(settings: Settings) -> None:
    """Clock skew: a token that expired a moment ago (less than the leeway) still counts."""
    issued_at = time.time() - settings.access_token_ttl - LEEWAY_SECONDS // 2
    token = issue_access_token(user_id=1, token_version=0, session_id="s1", settings=settings, now=issued_at).token

    assert decode_access_token(token, settings=settings) == TokenClaims(user_id=1, version=0, session_id="s1")


def test_token_issued_in_the_future_is_refused(settings: Settings) -> None:
    """A token whose iat lies beyond the clock-skew leeway would outlive its ttl."""
    later = time.time() + 3600
    token = issue_access_token(user_id=1, token_version=0, session_id="s1", settings=settings, now=later).token
    refused(token, settings)


def test_token_signed_with_another_secret_is_refused(settings: Settings) -> None:
    token = issue_access_token(
        user_id=1, token_version=0, session_id="s1", settings=replace(settings, jwt_secret=OTHER_SECRET)
    ).token
    refused(token, settings)


def test_unsigned_alg_none_token_is_refused(settings: Settings) -> None:
    token = jwt.encode(valid_claims(settings), None, algorithm="none")
    assert jwt.get_unverified_header(token)["alg"] == "none"
    refused(token, settings)


def test_token_with_another_hmac_algorithm_is_refused(settings: Settings) -> None:
    token = jwt.encode(valid_claims(settings), settings.jwt_secret, algorithm="HS384")
    refused(token, settings)


@pytest.mark.parametrize("claim", ["sub", "iat", "exp", "jti", "iss", "aud", "ver"])
def test_token_missing_a_required_claim_is_refused(settings: Settings, claim: str) -> None:
    token = jwt.encode(valid_claims(settings, **{claim: ...}), settings.jwt_secret, algorithm="HS256")
    refused(token, settings)


def test_token_for_another_audience_is_refused(settings: Settings) -> None:
    token = issue_access_token(
        user_id=1, token_version=0, session_id="s1", settings=replace(settings, jwt_audience="other")
    ).token
    refused(token, settings)


def test_token_from_another_issuer_is_refused(settings: Settings) -> None:
    token = issue_access_token(
        user_id=1, token_version=0, session_id="s1", settings=replace(settings, jwt_issuer="other")
    ).token
    refused(token, settings)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param("a.b.c", id="three-junk-segments"),
        pytest.param("Bearer x.y.z", id="with-scheme"),
    ],
)
def test_garbage_is_refused(settings: Settings, token: str) -> None:
    refused(token, settings)


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param("abc", id="letters"),
        pytest.param("-1", id="negative"),
        pytest.param("1.5", id="fraction"),
        pytest.param(" 7", id="leading-space"),
        pytest.param("", id="empty"),
        pytest.param(7, id="integer-not-string"),
        pytest.param("\u0661\u0662", id="arabic-indic-digits"),
    ],
)
def test_token_whose_subject_is_not_a_decimal_string_is_refused(settings: Settings, sub: object) -> None:
    token = jwt.encode(valid_claims(settings, sub=sub), settings.jwt_secret, algorithm="HS256")
    refused(token, settings)


@pytest.mark.parametrize(
    "ver",
    [
        pytest.param("3", id="string"),
        pytest.param(None, id="null"),
        pytest.param(1.5, id="float"),
        pytest.param(True, id="boolean"),
    ],
)
def test_token_whose_version_is_not_an_integer_is_refused(settings: Settings, ver: object) -> None:
    token = jwt.encode(valid_claims(settings, ver=ver), settings.jwt_secret, algorithm="HS256")
    refused(token, settings)


def test_a_remembered_token_still_expires(settings: Settings) -> None:
    """Verification results are cached; the token's end is checked on every use all the same."""
    issued = issue_access_token(user_id=7, token_version=0, session_id="s1", settings=settings)
    assert decode_access_token(issued.token, settings=settings).user_id == 7  # verified and remembered

    later = time.time() + settings.access_token_ttl + 60
    with pytest.raises(Unauthenticated, match="expired"):
        decode_access_token(issued.token, settings=settings, now=later)


def test_a_remembered_token_is_not_valid_under_another_secret(settings: Settings) -> None:
    issued = issue_access_token(user_id=7, token_version=0, session_id="s1", settings=settings)
    decode_access_token(issued.token, settings=settings)

    with pytest.raises(Unauthenticated):
        decode_access_token(issued.token, settings=replace(settings, jwt_secret="another-secret-" + "x" * 40))


def test_a_token_never_outlives_its_session(settings: Settings) -> None:
    now = 1_900_000_000
    issued = issue_access_token(
        user_id=1, token_version=0, session_id="s1", settings=settings, now=now, session_ends=now + 100
    )

    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert payload["exp"] == now + 100
    assert issued.expires_in == 100


@pytest.mark.parametrize("sid", [..., None, 7, "", "x" * 33], ids=["missing", "null", "number", "empty", "too-long"])
def test_token_without_a_session_id_is_refused(settings: Settings, sid: object) -> None:
    token = jwt.encode(valid_claims(settings, sid=sid), settings.jwt_secret, algorithm="HS256")
    refused(token, settings)


def test_auth_time_is_carried_as_issued(settings: Settings) -> None:
    issued = issue_access_token(
        user_id=1, token_version=0, session_id="s1", settings=settings, auth_time=1_800_000_000.7
    )

    assert jwt.decode(issued.token, options={"verify_signature": False})["auth_time"] == 1_800_000_000
    assert decode_access_token(issued.token, settings=settings).auth_time == 1_800_000_000


def test_a_token_without_auth_time_decodes_with_none(settings: Settings) -> None:
    """Tokens issued before the claim existed still work; they just never count as a recent sign-in."""
    token = jwt.encode(valid_claims(settings), settings.jwt_secret, algorithm="HS256")

    assert decode_access_token(token, settings=settings).auth_time is None


@pytest.mark.parametrize("auth_time", ["1800000000", 1.5, True], ids=["text", "fraction", "boolean"])
def test_token_whose_auth_time_is_not_an_integer_is_refused(settings: Settings, auth_time: object) -> None:
    token = jwt.encode(valid_claims(settings, auth_time=auth_time), settings.jwt_secret, algorithm="HS256")
    refused(token, settings)
