"""The documents other services verify our tokens with (README, Tokens for other services):
``/.well-known/jwks.json`` (the next, active and retired-within-grace public keys, cacheable) and
``/.well-known/openid-configuration`` (issuer and jwks_uri); a signed-in user's token names its key and verifies
against the JWKS alone, and a rotation signs no one out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt

from main import create_app
from services.identity import access_tokens, signing_keys
from services.identity.keyring import keyring
from settings import Settings
from tests.support import Api, replace


async def _jwks(api: Api) -> httpx.Response:
    return await api.client.get("/.well-known/jwks.json")


async def test_a_login_token_names_its_key_and_verifies_against_the_jwks_alone(api: Api, settings: Settings) -> None:
    account = await api.register()

    response = await _jwks(api)

    assert response.status_code == 200
    assert response.headers["cache-control"] == f"public, max-age={settings.jwks_max_age}"
    assert response.headers["content-type"].startswith("application/json")
    published = response.json()["keys"]
    assert len(published) == 1 and {"d", "p", "q"}.isdisjoint(published[0])
    header = jwt.get_unverified_header(account.token)
    assert (header["alg"], header["kid"]) == ("EdDSA", published[0]["kid"])
    key = jwt.PyJWKSet.from_dict(response.json())[header["kid"]]
    claims = jwt.decode(
        account.token, key, algorithms=["EdDSA"], audience=settings.jwt_audience, issuer=settings.jwt_issuer
    )
    assert claims["sub"] == account.user["userID"]


async def test_discovery_names_the_issuer_and_the_jwks(api: Api, settings: Settings) -> None:
    response = await api.client.get("/.well-known/openid-configuration")

    assert response.status_code == 200
    assert response.headers["cache-control"] == f"public, max-age={settings.jwks_max_age}"
    document = response.json()
    assert document["issuer"] == settings.jwt_issuer
    assert document["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert document["id_token_signing_alg_values_supported"] == ["EdDSA"]


async def test_discovery_uses_public_url(db: str, settings: Settings) -> None:
    async with _client(replace(settings, public_url="https://api.example.com")) as client:
        document = (await client.get("/.well-known/openid-configuration")).json()

    assert document["jwks_uri"] == "https://api.example.com/.well-known/jwks.json"


async def test_with_hs256_the_jwks_is_empty(db: str, settings: Settings) -> None:
    async with _client(replace(settings, jwt_algorithm="HS256")) as client:
        response = await client.get("/.well-known/jwks.json")
        document = (await client.get("/.well-known/openid-configuration")).json()

    assert response.status_code == 200 and response.json() == {"keys": []}
    assert document["id_token_signing_alg_values_supported"] == ["HS256"]


async def test_a_rotation_publishes_next_then_signs_with_it_and_signs_no_one_out(api: Api, settings: Settings) -> None:
    account = await api.register()
    old_kid = jwt.get_unverified_header(account.token)["kid"]
    published_long_ago = datetime.now(UTC) - timedelta(seconds=settings.jwks_max_age + 1)
    upcoming = await signing_keys.generate(settings, now=published_long_ago)
    await keyring().reload(settings)  # as every instance does within SIGNING_KEY_REFRESH_SECONDS

    assert {key["kid"] for key in (await _jwks(api)).json()["keys"]} == {old_kid, upcoming.kid}
    await signing_keys.activate(upcoming.kid, settings)
    await keyring().reload(settings)
    signed_in_again = (await api.login("john_doe")).data["login"]["accessToken"]

    assert jwt.get_unverified_header(signed_in_again)["kid"] == upcoming.kid
    assert {key["kid"] for key in (await _jwks(api)).json()["keys"]} == {old_kid, upcoming.kid}  # old: in grace
    for token in (account.token, signed_in_again):  # the token signed before the rotation still works
        assert (await api.me(token)).data["me"]["userName"] == "john_doe"


async def test_moving_from_hs256_signs_no_one_out_and_mints_no_new_hs256_tokens(db: str, settings: Settings) -> None:
    before = replace(settings, jwt_algorithm="HS256")
    async with _client(before) as client:
        account = await Api(client, backend=db).register()
    assert "kid" not in jwt.get_unverified_header(account.token)
    await asyncio.sleep(1.1)  # `iat` counts whole seconds: the move happens a second later

    async with _client(settings) as client:  # the same database, now with EdDSA: a first key is made
        api = Api(client, backend=db)
        still_signed_in = await api.me(account.token)
        minted_after = access_tokens.issue_access_token(
            user_id=int(account.user["userID"]),
            token_version=0,
            session_id=str(jwt.decode(account.token, options={"verify_signature": False})["sid"]),
            settings=before,
        )
        refused = await api.me(minted_after.token)
        signed_in_again = (await api.login("john_doe")).data["login"]["accessToken"]

    assert still_signed_in.data["me"]["userName"] == "john_doe"
    assert (refused.code, refused.error["extensions"]["reason"]) == ("UNAUTHENTICATED", "TOKEN_INVALID")
    assert jwt.get_unverified_header(signed_in_again)["alg"] == "EdDSA"


def _client(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
