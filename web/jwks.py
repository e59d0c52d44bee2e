"""``GET /.well-known/jwks.json`` and ``GET /.well-known/openid-configuration``: how other services verify our
access tokens without JWT_SECRET (services/identity/signing_keys.py, keyring.py).

The JWKS lists the public keys of the next, active and retired-within-grace keys, from this process's keyring
(every instance loads the same store); with JWT_ALGORITHM=HS256 it is empty, as there is nothing public to
verify with. Both are cacheable for JWKS_MAX_AGE seconds: ``keys activate`` waits that long after a key is
published, so a verifier's cached copy always knows the signing key.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.identity import access_tokens
from settings import Settings

JWKS_PATH = "/.well-known/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
CLAIMS = ["sub", "iss", "aud", "exp", "iat", "jti", "auth_time", "sid", "ver"]


def routes(settings: Settings) -> list[Route]:
    headers = {"Cache-Control": f"public, max-age={settings.jwks_max_age}"}

    async def jwks(request: Request) -> Response:
        keys = await access_tokens.signing_keys_for(settings)
        published = [] if keys is None else [key.jwk for key in keys.published()]
        return JSONResponse({"keys": published}, headers=headers)

    async def discovery(request: Request) -> Response:
        base = (settings.public_url or str(request.base_url)).rstrip("/")
        keys = await access_tokens.signing_keys_for(settings)
        # The published keys' algorithms (a change of JWT_ALGORITHM takes effect with the next key activated).
        algorithms = sorted({key.algorithm for key in keys.published()}) if keys is not None else []
        document = {
            "issuer": settings.jwt_issuer,
            "jwks_uri": base + JWKS_PATH,
            "id_token_signing_alg_values_supported": algorithms or [settings.jwt_algorithm],
            "subject_types_supported": ["public"],
            "claims_supported": CLAIMS,
        }
        return JSONResponse(document, headers=headers)

    return [Route(JWKS_PATH, jwks, methods=["GET"]), Route(DISCOVERY_PATH, discovery, methods=["GET"])]
