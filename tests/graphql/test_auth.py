"""Every operation but register and login needs a valid, unrevoked Bearer token."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.identity.access_tokens import issue_access_token
from services.identity.keyring import keyring
from settings import Settings
from tests.support import DELETE_USER, ME, UPDATE_PROFILE, UPDATE_USER, USER, Api


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (ME, None),
        (USER, {"userName": "john_doe"}),
        (UPDATE_USER, {"userName": "john_doe", "input": {"bio": "x"}}),
        (UPDATE_PROFILE, {"input": {"bio": "x"}}),
        (DELETE_USER, {"userName": "john_doe"}),
    ],
    ids=["me", "user", "updateUser", "updateProfile", "deleteUser"],
)
async def test_operations_without_a_token_are_unauthenticated(
    api: Api, document: str, variables: dict[str, object] | None
) -> None:
    await api.register()

    result = await api.execute(document, variables)

    assert result.status == 200
    assert all(value is None for value in (result.data or {}).values())  # nothing leaks
    assert result.code == "UNAUTHENTICATED"
    assert "Bearer" in result.error["message"]


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic am9objpwdw==", "Token abc", "Bearer a b", "Bearer not-a-jwt", "x" * 10_000],
)
async def test_malformed_authorization_headers_are_unauthenticated(api: Api, header: str) -> None:
    await api.register()

    response = await api.client.post("/graphql", json={"query": ME}, headers={"Authorization": header})

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def _session_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sid"])


def _forge(settings: Settings, **claims: object) -> str:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "1",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "ver": 0,
        "sid": "0" * 32,
    }
    base.update(claims)
    signing = keyring().snapshot.signing  # type: ignore[union-attr] # the server's active key, loaded by register
    assert signing is not None
    return jwt.encode(
        {k: v for k, v in base.items() if v is not None},
        signing.key,  # type: ignore[arg-type]
        algorithm=signing.algorithm,
        headers={"kid": signing.kid},
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 3600},
        {"iss": "someone-else"},
        {"aud": "another-service"},
        {"ver": None},
        {"jti": None},
        {"exp": None},
        {"sub": "not-a-number"},
        {"ver": 1},
        {"sub": "9" * 30},  # past 64 bits: the database driver overflowed (a 500)
        {"sub": str(2**63)},
        {"exp": float("inf")},
        {"sid": None},
        {"sid": "0" * 32},  # no such session
        {"sid": 7},
        {"sid": "x" * 33},
    ],
    ids=[
        "expired",
        "wrong-issuer",
        "wrong-audience",
        "no-version",
        "no-jti",
        "no-exp",
        "bad-sub",
        "stale-version",
        "sub-30-digits",
        "sub-2-to-the-63",
        "exp-infinite",
        "no-session",
        "unknown-session",
        "session-not-a-string",
        "session-too-long",
    ],
)
async def test_bad_tokens_are_unauthenticated(api: Api, settings: Settings, claims: dict[str, object]) -> None:
    account = await api.register()
    token = _forge(settings, **{"sub": account.user["userID"], "sid": _session_of(account.token), **claims})

    result = await api.me(token)

    assert result.code == "UNAUTHENTICATED"


async def test_a_well_forged_token_is_accepted(api: Api, settings: Settings) -> None:
    """The forging helper itself makes valid tokens, so the rejections above are about the claim."""
    account = await api.register()

    result = await api.me(_forge(settings, sub=account.user["userID"], sid=_session_of(account.token)))

    assert result.data["me"]["userName"] == "john_doe"


async def test_expired_token_says_so(api: Api, settings: Settings) -> None:
    account = await api.register()
    old = issue_access_token(
        user_id=int(account.user["userID"]),
        token_version=0,
        session_id=_session_of(account.token),
        settings=settings,
        now=time.time() - 3600,
    )

    result = await api.me(old.token)

    assert result.code == "UNAUTHENTICATED"
    assert "expired" in result.error["message"]


async def test_token_signed_with_another_key_is_unauthenticated(api: Api, settings: Settings) -> None:
    account = await api.register()
    ours = _forge(settings, sub=account.user["userID"], sid=_session_of(account.token))
    claims = jwt.decode(ours, options={"verify_signature": False})
    stranger = Ed25519PrivateKey.generate()

    assert not (await api.me(ours)).errors
    for token in (
        jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": jwt.get_unverified_header(ours)["kid"]}),
        jwt.encode(claims, "another-secret-of-at-least-thirty-two-bytes", algorithm="HS256"),
    ):
        assert (await api.me(token)).code == "UNAUTHENTICATED"


async def test_unsigned_token_is_unauthenticated(api: Api, settings: Settings) -> None:
    account = await api.register()
    claims = jwt.decode(account.token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none")

    assert (await api.me(unsigned)).code == "UNAUTHENTICATED"


async def test_bad_token_does_not_block_register_or_login(api: Api) -> None:
    account = await api.register()

    response = await api.client.post(
        "/graphql",
        json={"query": 'mutation { login(userName: "john_doe", password: "' + account.password + '") { tokenType } }'},
        headers={"Authorization": "Bearer junk"},
    )

    assert response.json() == {"data": {"login": {"tokenType": "Bearer"}}}
