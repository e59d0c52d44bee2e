"""Access and refresh tokens and the sessions they belong to."""

from __future__ import annotations

from pydantic import BaseModel, Field

from settings.fields import MIN_SECRET_BYTES, NEW_JWT_SECRET, JwtAlgorithm, Whole

SHORT_JWT_SECRET = f"JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; generate one with `{NEW_JWT_SECRET}`."
NO_JWT_SECRET = (
    f"JWT_SECRET is not set. In production the server needs a secret of at least {MIN_SECRET_BYTES} bytes, "
    f"shared by every instance; generate one with `{NEW_JWT_SECRET}`."
)


class TokenSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    jwt_secret: str = Field(
        "", description="at least 32 bytes, the same on every instance; required in production", repr=False
    )
    jwt_issuer: str = Field("user-service", description="the `iss` claim of access tokens")
    jwt_audience: str = Field("user-service", description="the `aud` claim of access tokens")
    access_token_ttl: Whole = Field(900, description="access-token lifetime in seconds", ge=1)
    refresh_token_ttl: Whole = Field(30 * 24 * 3600, description="refresh-token lifetime in seconds (30 days)", ge=1)
    session_max_age: Whole = Field(90 * 24 * 3600, description="absolute session lifetime in seconds (90 days)", ge=1)
    refresh_reuse_grace_seconds: Whole = Field(
        10,
        description="seconds after a refresh during which the same refresh token sent again (a second tab "
        "refreshing at the same moment) gets the same new pair instead of revoking the session; `0` turns this "
        "off; see Tokens",
        ge=0,
        le=60,
    )
    recent_sign_in_seconds: Whole = Field(
        600,
        description="seconds after a sign-in with the password during which its session may change the email or "
        "delete the account without sending the password again",
        ge=1,
    )
    jwt_algorithm: JwtAlgorithm = Field(
        "EdDSA",
        description="how access tokens are signed: `EdDSA` (Ed25519), `ES256` or `RS256` with a key kept in the "
        "database (`python main.py keys ...`) and published at `/.well-known/jwks.json`; `HS256` with `JWT_SECRET` "
        "(every verifier then needs the secret); see Tokens for other services",
    )
    signing_key_refresh_seconds: Whole = Field(
        30,
        description="how often each server process reloads the signing keys from the database (a new or retired "
        "key reaches every instance within this time)",
        ge=1,
        le=3600,
    )
    jwks_max_age: Whole = Field(
        300,
        description="seconds verifiers may cache `/.well-known/jwks.json` (its `Cache-Control: max-age`); "
        "`keys activate` refuses a key published for less than this, unless `--now`",
        ge=0,
        le=86400,
    )

    @property
    def asymmetric_tokens(self) -> bool:
        """Access tokens signed with a key pair from the database (JWT_ALGORITHM other than HS256)."""
        return self.jwt_algorithm != "HS256"
