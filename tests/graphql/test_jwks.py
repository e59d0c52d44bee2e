"""The documents other services verify our tokens with (README, Tokens for other services):
``/.well-known/jwks.json`` (the next, active and retired-within-grace public keys, cacheable) and
``/.well-known/openid-configuration`` (issuer and jwks_uri); a signed-in user's token names its key and verifies
against the JWKS alone, and a rotation signs no one out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt

from main import create_app
from services.identity import signing_keys
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
    app = create_app(replace(settings, public_url="https://api.example.com"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        document = (await client.get("/.well-known/openid-configuration")).json()

    assert document["jwks_uri"] == "https://api.example.com/.well-known/jwks.json"


async def test_with_hs256_the_jwks_is_empty(db: str, settings: Settings) -> None:
    app = create_app(replace(settings, jwt_algorithm="HS256"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
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
