"""Another service that trusts the user service's access tokens knowing only its JWKS URL, as README's
"Tokens for other services" shows (PyJWT's PyJWKClient). Reads ``name<TAB>token`` lines on stdin and prints
``name<TAB>accepted<TAB>sub`` or ``name<TAB>refused<TAB>why`` for each.

    python jwks_verifier.py JWKS_URL AUDIENCE ISSUER < tokens.tsv
"""

from __future__ import annotations

import sys

import jwt


def main() -> None:
    jwks_url, audience, issuer = sys.argv[1:4]
    client = jwt.PyJWKClient(jwks_url)
    for line in sys.stdin:
        name, token = line.rstrip("\n").split("\t")
        try:
            signing_key = client.get_signing_key_from_jwt(token)  # the key named by the token's kid
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=[signing_key.algorithm_name],  # the key's own algorithm, never the token's claim
                audience=audience,
                issuer=issuer,
            )
        except jwt.PyJWKClientError:
            print(f"{name}\trefused\tno such key", flush=True)
        except jwt.InvalidTokenError as exc:
            print(f"{name}\trefused\t{type(exc).__name__}", flush=True)
        else:
            print(f"{name}\taccepted\t{claims['sub']}", flush=True)


if __name__ == "__main__":
    main()
