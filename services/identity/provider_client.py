"""Talking to a sign-in provider over HTTP: OpenID Connect discovery, the authorization URL (state, nonce, PKCE
S256, built by Authlib), the code exchange, and the ID token's checks (signature against the provider's JWKS,
``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce``) by joserfc, the JOSE library Authlib moved its own
``authlib.jose`` to (deprecated since Authlib 1.7): no JWT check here is written by hand.

GitHub has no OpenID Connect: plain OAuth 2.0 with its fixed endpoints; who the person is comes from its API
(``/user``, and ``/user/emails`` for a verified address).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from settings import OidcProvider

GITHUB_AUTHORIZE = "https://github.com/login/oauth/authorize"
GITHUB_TOKEN = "https://github.com/login/oauth/access_token"  # noqa: S105 - an endpoint, not a secret
GITHUB_API = "https://api.github.com"

TIMEOUT = 10.0  # seconds for each call to a provider
DISCOVERY_TTL = 3600.0  # a provider's discovery document is read again after an hour
LEEWAY = 60  # seconds of clock difference allowed on exp and iat
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

# The reasons a provider's answer is refused (the callback redirects with ?error=<reason>).
PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"  # discovery, token or API call failed
ID_TOKEN_INVALID = "PROVIDER_ID_TOKEN_INVALID"  # noqa: S105 - a reason's name


class ProviderFailed(Exception):
    """The provider could not be reached, or its answer does not hold: ``reason`` says which."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: its stable subject, and the profile claims we use."""

    subject: str
    email: str | None = None
    email_verified: bool = False
    preferred_username: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}


def forget_discovery() -> None:
    """Drop the cached discovery documents (tests that restart a provider)."""
    _discovered.clear()


async def _get_json(client: httpx.AsyncClient, url: str, **kwargs: Any) -> Any:
    try:
        response = await client.get(url, **kwargs)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderFailed(PROVIDER_UNAVAILABLE, f"GET {url}: {exc}") from None


async def discover(provider: OidcProvider) -> dict[str, Any]:
    """The issuer's ``/.well-known/openid-configuration`` (cached an hour); its ``issuer`` must be the one
    configured (OpenID Connect Discovery 1.0, section 4.3)."""
    cached = _discovered.get(provider.name)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        metadata = await _get_json(client, url)
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(metadata, dict) or not all(isinstance(metadata.get(key), str) for key in needed):
        raise ProviderFailed(PROVIDER_UNAVAILABLE, f"{url} is no OpenID Connect discovery document")
    if metadata["issuer"].rstrip("/") != provider.issuer.rstrip("/"):
        raise ProviderFailed(PROVIDER_UNAVAILABLE, f"{url} names another issuer: {metadata['issuer']!r}")
    _discovered[provider.name] = (time.monotonic() + DISCOVERY_TTL, metadata)
    return metadata


async def authorization_url(
    provider: OidcProvider, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
) -> str:
    """Where to send the browser: the provider's authorization endpoint with our client, scopes, state, nonce
    (OIDC) and the PKCE S256 challenge of ``code_verifier``."""
    extra: dict[str, str] = {
        "code_challenge": create_s256_code_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    if provider.type == "github":
        endpoint = GITHUB_AUTHORIZE
    else:
        endpoint = (await discover(provider))["authorization_endpoint"]
        extra["nonce"] = nonce
    url: str = prepare_grant_uri(endpoint, provider.client_id, "code", redirect_uri, provider.scope, state, **extra)
    return url


async def identity(provider: OidcProvider, *, code: str, code_verifier: str, nonce: str, redirect_uri: str) -> Identity:
    """Trade the authorization code for tokens and say who signed in (an OIDC provider: its checked ID token,
    and its userinfo for what the ID token leaves out; GitHub: its API)."""
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        if provider.type == "github":
            return await github_identity(
                client, provider, code=code, code_verifier=code_verifier, redirect_uri=redirect_uri
            )
        metadata = await discover(provider)
        tokens = await _exchange(
            client,
            metadata["token_endpoint"],
            provider,
            code=code,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderFailed(ID_TOKEN_INVALID, "the token response has no id_token")
        keys = await _get_json(client, metadata["jwks_uri"])
        claims = verify_id_token(
            id_token,
            keys,
            issuer=metadata["issuer"],
            client_id=provider.client_id,
            nonce=nonce,
            algorithms=_algorithms(metadata),
        )
        userinfo_endpoint = metadata.get("userinfo_endpoint")
        if "email" not in claims and isinstance(userinfo_endpoint, str) and isinstance(tokens.get("access_token"), str):
            info = await _get_json(
                client, userinfo_endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}"}
            )
            if isinstance(info, dict) and info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: else not to be used
                claims = {**info, **claims}
    return _from_claims(claims)


def _algorithms(metadata: dict[str, Any]) -> list[str]:
    offered = metadata.get("id_token_signing_alg_values_supported")
    if not isinstance(offered, list):
        return ["RS256"]
    return [alg for alg in offered if alg in SIGNING_ALGORITHMS] or ["RS256"]  # never "none" or a shared secret


async def _exchange(
    client: httpx.AsyncClient,
    endpoint: str,
    provider: OidcProvider,
    *,
    code: str,
    code_verifier: str,
    redirect_uri: str,
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
    }
    try:
        response = await client.post(endpoint, data=form, headers={"Accept": "application/json"})
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderFailed(PROVIDER_UNAVAILABLE, f"POST {endpoint}: {exc}") from None
    if response.status_code != 200 or not isinstance(answer, dict) or "error" in answer:
        error = answer.get("error") if isinstance(answer, dict) else None
        raise ProviderFailed(
            PROVIDER_UNAVAILABLE, f"the token endpoint refused the code: {error or response.status_code}"
        )
    return answer


def verify_id_token(
    id_token: str, keys: object, *, issuer: str, client_id: str, nonce: str, algorithms: list[str]
) -> dict[str, Any]:
    """The ID token's claims, once its signature (a key of the provider's JWKS) and its claims hold (OIDC Core
    3.1.3.7); else ProviderFailed(ID_TOKEN_INVALID)."""
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
        token = jwt.decode(id_token, key_set, algorithms=algorithms)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProviderFailed(ID_TOKEN_INVALID, f"the ID token was refused: {exc}") from None
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise ProviderFailed(ID_TOKEN_INVALID, "the ID token is for several parties and not authorized for us (azp)")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise ProviderFailed(ID_TOKEN_INVALID, "the ID token has no subject")
    return claims


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _from_claims(claims: dict[str, Any]) -> Identity:
    return Identity(
        subject=str(claims["sub"]),
        email=_text(claims.get("email")),
        email_verified=claims.get("email_verified") is True,
        preferred_username=_text(claims.get("preferred_username")) or _text(claims.get("nickname")),
        name=_text(claims.get("name")),
        given_name=_text(claims.get("given_name")),
        family_name=_text(claims.get("family_name")),
    )


async def github_identity(
    client: httpx.AsyncClient, provider: OidcProvider, *, code: str, code_verifier: str, redirect_uri: str
) -> Identity:
    tokens = await _exchange(
        client, GITHUB_TOKEN, provider, code=code, code_verifier=code_verifier, redirect_uri=redirect_uri
    )
    access_token = tokens.get("access_token")
    if not isinstance(access_token, str):
        raise ProviderFailed(PROVIDER_UNAVAILABLE, "GitHub's token response has no access_token")
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/vnd.github+json"}
    user = await _get_json(client, f"{GITHUB_API}/user", headers=headers)
    emails = await _get_json(client, f"{GITHUB_API}/user/emails", headers=headers)
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise ProviderFailed(PROVIDER_UNAVAILABLE, "GitHub's /user answer has no id")
    primary = (
        next((e for e in emails if isinstance(e, dict) and e.get("primary") and e.get("verified")), None)
        if isinstance(emails, list)
        else None
    )
    return Identity(
        subject=str(user["id"]),  # the numeric id: a login name can be renamed and taken by someone else
        email=_text(primary.get("email")) if primary else None,
        email_verified=primary is not None,
        preferred_username=_text(user.get("login")),
        name=_text(user.get("name")),
    )
