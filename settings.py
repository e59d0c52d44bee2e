"""The only module that reads the environment.

Every setting is declared once, as a field of :class:`Settings` (pydantic-settings): its type,
default, bounds and description. ``Settings.from_environ()`` reads each from the variable of the
same name in upper case (an empty variable counts as unset); the validators below hold the rules
between settings (production needs a JWT secret and a mail server). ``python main.py --help`` and
README's configuration table are rendered from the same declarations. Tests build ``Settings``
directly, from their own values only: it never reads the environment then.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

log = logging.getLogger("settings")

MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 - a file name
TOTP_KEY_FILE_NAME = "totp-key"
FERNET_KEY_BYTES = 32
NEW_JWT_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105 - a command
NEW_FERNET_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
NO_MAIL_SERVER = (
    "SMTP_URL is not set. In production the server mails verification links, password resets and "
    "account notices; set SMTP_URL (e.g. smtp://user:pass@mail.example.com:587) and MAIL_FROM."
)
SHORT_JWT_SECRET = f"JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; generate one with `{NEW_JWT_SECRET}`."
COOKIES_WITH_ANY_ORIGIN = (
    "AUTH_COOKIES=true needs CORS_ORIGINS to list the front end's origins: a browser sends no cookie to an API "
    "that allows any origin ('*'), and it must not."
)
SECURE_COOKIES_PREFIX = "AUTH_COOKIE_NAME: a name starting with __Secure- needs AUTH_COOKIE_SECURE=true."
SAMESITE_NONE_INSECURE = "AUTH_COOKIE_SAMESITE=none needs AUTH_COOKIE_SECURE=true (browsers refuse it otherwise)."
INSECURE_COOKIES_IN_PRODUCTION = (
    "AUTH_COOKIE_SECURE=false is for plain http in development; in production the refresh cookie must be Secure."
)
COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}")  # RFC 6265's token, not too long
COOKIE_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,=:@%/-]{0,200}")  # no ';', no space, no query
NO_WEBAUTHN_RP_ID = (
    "WEBAUTHN_RP_ID is not set. In production passkeys need the site's domain as their relying party ID "
    "(e.g. WEBAUTHN_RP_ID=example.com); or set PASSKEYS_ENABLED=false."
)
NO_WEBAUTHN_ORIGINS = (
    "WEBAUTHN_ORIGINS is not set. In production passkeys need the origins of the pages that use them "
    "(e.g. WEBAUTHN_ORIGINS=https://app.example.com); or set PASSKEYS_ENABLED=false."
)
ONLY_WITHOUT_MANIFEST = "PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_FILE, the manifest to serve."
NO_JWT_SECRET = (
    f"JWT_SECRET is not set. In production the server needs a secret of at least {MIN_SECRET_BYTES} bytes, "
    f"shared by every instance; generate one with `{NEW_JWT_SECRET}`."
)

HTTP_ISSUER_IN_PRODUCTION = (
    "OIDC_PROVIDERS: a provider's issuer must be an https:// URL in production (plain http:// is for a local "
    "provider in development)."
)
DUPLICATE_PROVIDERS = "OIDC_PROVIDERS: two providers have the same name."
PROVIDER_NAMES = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
GITHUB_SCOPES = "read:user user:email"
OIDC_SCOPES = "openid email profile"


class SettingsError(RuntimeError):
    """The environment cannot run the server; the message says what to set."""


# How a variable's text becomes a value, where pydantic's own parsing would accept too much.
def _whole_number(value: object) -> object:
    if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdigit()):
        raise ValueError("must be a whole number")  # pydantic alone takes "8_000", "+5" and "4.0"
    return value


def _words(value: object) -> object:
    return tuple(value.replace(",", " ").split()) if isinstance(value, str) else value


def _networks(value: object) -> object:
    words = _words(value)
    if not isinstance(words, tuple):
        return words
    try:
        return tuple(ip_network(word, strict=False) if isinstance(word, str) else word for word in words)
    except ValueError as exc:
        raise ValueError(f"must list IP addresses or networks (CIDR): {exc}") from None


def _fernet_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    for key in keys:
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            decoded = b""
        if len(decoded) != FERNET_KEY_BYTES:
            raise ValueError(f"must be Fernet keys (32 bytes in URL-safe base64); generate one with `{NEW_FERNET_KEY}`")
    return keys


def _jwt_algorithm(value: object) -> object:
    """JWT_ALGORITHM in any case (``eddsa``, ``es256``) as the JOSE name."""
    names = {name.lower(): name for name in ("EdDSA", "ES256", "RS256", "HS256")}
    return names.get(value.strip().lower(), value) if isinstance(value, str) else value


def _link(value: str) -> str:
    if "{token}" not in value:
        raise ValueError("must contain {token}, where the mailed token goes")
    return value


def _smtp_url(value: str) -> str:
    if value and not (value.startswith(("smtp://", "smtps://")) and urlsplit(value).hostname):
        raise ValueError("must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    return value


def _origins(values: tuple[str, ...]) -> tuple[str, ...]:
    """Browsers send an origin as scheme://host[:port], never with a path: a trailing slash (as copied from
    an address bar) is dropped; anything else that is no origin is refused rather than matching nothing."""
    origins = []
    for value in values:
        origin = value.removesuffix("/")
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query):
            raise ValueError(f"{value!r} is no origin: write scheme://host[:port], e.g. https://app.example.com")
        origins.append(origin)
    return tuple(origins)


def _cookie_name(value: str) -> str:
    if value and not COOKIE_NAME.fullmatch(value):
        raise ValueError("must be a cookie name: letters, digits and !#$%&'*+-.^_`|~")
    if value.startswith("__Host-"):
        raise ValueError("cannot start with __Host- (such a cookie must have Path=/; this one is scoped to its routes)")
    return value


def _cookie_path(value: str) -> str:
    if not COOKIE_PATH.fullmatch(value):
        raise ValueError("must be a URL path starting with /, e.g. /auth")
    return value.removesuffix("/") or "/"


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _sign_in_redirects(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{value!r} is no page address: write scheme://host[:port]/path, without ? or #")
    return values


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment):
        raise ValueError(f"{value!r} is no address: write scheme://host[:port][/path], e.g. https://api.example.com")
    return value.removesuffix("/")


def _json_list(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ValueError('must be a JSON list of objects, e.g. [{"name": "google", "issuer": …}]') from None


class OidcProvider(BaseModel):
    """One entry of OIDC_PROVIDERS (JSON, camelCase keys as in the README): an OpenID Connect provider found
    through its issuer's discovery document, or GitHub (``"type": "github"``), plain OAuth 2.0."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    name: str = Field(description="the provider's name in the API and in /auth/callback/{name}")
    type: Literal["oidc", "github"] = "oidc"
    issuer: str = ""
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1, repr=False)
    scopes: str = ""
    display_name: str = ""

    @model_validator(mode="after")
    def _checked(self) -> OidcProvider:
        if not PROVIDER_NAMES.fullmatch(self.name):
            raise ValueError(f"{self.name!r} is no provider name: 1 to 32 of a-z, 0-9, '_' and '-'")
        if self.type == "oidc":
            parts = urlsplit(self.issuer)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
                raise ValueError(f"provider {self.name!r} needs an issuer URL, e.g. https://accounts.google.com")
        return self

    @property
    def scope(self) -> str:
        return self.scopes.strip() or (GITHUB_SCOPES if self.type == "github" else OIDC_SCOPES)

    @property
    def title(self) -> str:
        return self.display_name or ("GitHub" if self.type == "github" else self.name)


# NoDecode: a list is written as words separated by spaces or commas, not as JSON.
Whole = Annotated[int, BeforeValidator(_whole_number)]
Days = Annotated[float, Field(allow_inf_nan=False)]
Words = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words)]
Origins = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words), AfterValidator(_origins)]
FernetKeys = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words), AfterValidator(_fernet_keys)]
Networks = Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode, BeforeValidator(_networks)]
Link = Annotated[str, AfterValidator(_link)]
RedirectUrls = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words), AfterValidator(_sign_in_redirects)]
SmtpUrl = Annotated[str, AfterValidator(_smtp_url)]
CookieName = Annotated[str, AfterValidator(_cookie_name)]
CookiePath = Annotated[str, AfterValidator(_cookie_path)]
SameSite = Annotated[Literal["strict", "lax", "none"], BeforeValidator(_lower)]
Environment = Annotated[Literal["development", "test", "production"], BeforeValidator(_lower)]
LogFormat = Annotated[Literal["text", "json"], BeforeValidator(_lower)]
JwtAlgorithm = Annotated[Literal["EdDSA", "ES256", "RS256", "HS256"], BeforeValidator(_jwt_algorithm)]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)]


class Settings(BaseSettings):
    """Each field is a variable; ``json_schema_extra={"shown": ...}`` is the default the docs show where
    the literal one would mislead, and ``repr=False`` keeps a secret out of logs and tracebacks."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_ignore_empty=True, case_sensitive=False, validate_default=False
    )

    app_env: Environment = Field(
        "development",
        description="`development`, `test` or `production`; production turns GraphiQL and introspection off "
        "and needs `JWT_SECRET` and `SMTP_URL`",
    )
    host: str = Field("127.0.0.1", description="address `python main.py` listens on")
    port: Whole = Field(8000, description="port `python main.py` listens on", ge=1, le=65535)
    workers: Whole = Field(
        1, description="uvicorn worker processes for `python main.py`; about one per CPU core", ge=1, le=64
    )
    database_url: str = Field(
        "",
        description="e.g. `postgres://user:pass@db:5432/users`, `mysql://user:pass@db:3306/users`",
        json_schema_extra={"shown": "SQLite file `users.sqlite3` in `DATA_DIR`"},
        repr=False,
    )  # may carry a password
    data_dir: Path = Field(Path("data"), description="folder for the default SQLite file and the development secret")
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
    account_restore_days: Days = Field(
        30,
        description="days a deactivated account can be restored by signing in; then the clean-up deletes it",
        ge=0,
        le=36500,
    )
    security_event_days: Whole = Field(90, description="days a security event is kept, then pruned", ge=1)
    maintenance_interval: Whole = Field(
        3600,
        description="seconds between the server's clean-ups (old security events, accounts past the restore window)",
        ge=1,
    )
    recent_sign_in_seconds: Whole = Field(
        600,
        description="seconds after a sign-in with the password during which its session may change the email or "
        "delete the account without sending the password again",
        ge=1,
    )
    bcrypt_rounds: Whole = Field(12, description="bcrypt cost (4-31); about 0.2 s a hash at 12", ge=4, le=31)
    redis_url: str = Field(
        "", description="Redis for rate-limit counters shared by every worker and instance; else in memory", repr=False
    )
    redis_prefix: str = Field("user-service:", description="prefix of this service's Redis keys")
    rate_limit_enabled: bool = Field(True, description="`false` turns throttling off (e.g. for a local load test)")
    login_max_failures: Whole = Field(5, description="failed logins per account and address in a login window", ge=1)
    login_max_failures_per_address: Whole = Field(50, description="failed logins per address in a login window", ge=1)
    login_max_failures_per_account: Whole = Field(
        100, description="failed logins per account, from anywhere, in a login window", ge=1
    )
    login_window: Whole = Field(900, description="the login window, in seconds", ge=1)
    register_max_per_address: Whole = Field(20, description="registrations per address in a registration window", ge=1)
    register_window: Whole = Field(3600, description="the registration window, in seconds", ge=1)
    refresh_max_per_address: Whole = Field(60, description="token refreshes per address in a refresh window", ge=1)
    refresh_window: Whole = Field(60, description="the refresh window, in seconds", ge=1)
    conflict_max_per_account: Whole = Field(
        10,
        description="updates answered CONFLICT (a taken userName, email or phoneNumber) per account in a "
        "conflict window",
        ge=1,
    )
    conflict_max_per_address: Whole = Field(
        20, description="updates answered CONFLICT per address in a conflict window", ge=1
    )
    conflict_window: Whole = Field(3600, description="the conflict window, in seconds", ge=1)
    password_reset_max_per_address: Whole = Field(
        20, description="password-reset and verification mails asked for per address in a reset window", ge=1
    )
    password_reset_max_per_email: Whole = Field(
        5, description="password-reset and verification mails asked for per email address in a reset window", ge=1
    )
    password_reset_window: Whole = Field(3600, description="the reset window, in seconds", ge=1)
    sign_in_code_max_per_address: Whole = Field(
        20, description="sign-in codes (requestSignInCode) asked for per address in a code window", ge=1
    )
    sign_in_code_max_per_email: Whole = Field(
        5, description="sign-in codes asked for per email address in a code window", ge=1
    )
    sign_in_code_window: Whole = Field(3600, description="the code window, in seconds", ge=1)
    totp_issuer: str = Field("user-service", description="the issuer authenticator apps show for two-factor sign-in")
    totp_encryption_key: FernetKeys = Field(
        (),
        description="Fernet key encrypting TOTP secrets and signing keys at rest (older keys after it, space "
        "separated, still decrypt); required in production with an asymmetric `JWT_ALGORITHM` or once anyone uses "
        "two-factor sign-in",
        repr=False,
    )
    passkeys_enabled: bool | None = Field(
        None,
        description="`true` or `false` turns passkey sign-in (WebAuthn) on or off; production needs "
        "`WEBAUTHN_RP_ID` and `WEBAUTHN_ORIGINS` with it on",
        json_schema_extra={"shown": "on; in production, on when `WEBAUTHN_RP_ID` is set"},
    )
    webauthn_rp_id: str = Field(
        "",
        description="the relying party ID of passkeys: the site's domain (e.g. `example.com`), which every origin "
        "in `WEBAUTHN_ORIGINS` must be or end in",
        json_schema_extra={"shown": "outside production `localhost`; none in production"},
    )
    webauthn_rp_name: str = Field("user-service", description="the site's name a passkey prompt shows")
    webauthn_origins: Origins = Field(
        (),
        description="the pages' origins passkeys are used from (scheme://host[:port]), space or comma separated",
        json_schema_extra={
            "shown": "outside production `http://localhost:5173` and this server's own; none in production"
        },
    )
    trusted_proxies: Networks = Field((), description="IPs or CIDRs whose `X-Forwarded-For` is believed")
    cors_origins: Origins = Field(
        (), description="origins allowed to call from a browser (scheme://host[:port]), space or comma separated"
    )
    auth_cookies: bool = Field(
        False,
        description="`true`: browser sessions without tokens in JavaScript: every refresh token goes in an HttpOnly "
        "cookie (the payloads' `refreshToken` reads null), and `POST /auth/refresh` and `POST /auth/logout` work "
        "from it; see Tokens",
    )
    auth_cookie_name: CookieName = Field(
        "",
        description="the refresh-token cookie's name",
        json_schema_extra={"shown": "__Secure-refresh_token (refresh_token when `AUTH_COOKIE_SECURE=false`)"},
    )
    auth_cookie_path: CookiePath = Field(
        "/auth",
        description="the cookie's Path: where the browser sees `/auth/refresh` and `/auth/logout` (e.g. `/api/auth` "
        "behind a proxy that serves this service under `/api`)",
    )
    auth_cookie_samesite: SameSite = Field(
        "strict",
        description="the cookie's SameSite: `strict`, `lax` or `none` (`none` only for a front end on another site, "
        "and it needs `AUTH_COOKIE_SECURE`)",
    )
    auth_cookie_secure: bool = Field(
        True,
        description="the cookie's Secure attribute; browsers accept it over https and from http://localhost or "
        "127.0.0.1. `false` only for plain http on another address in development (refused in production)",
    )
    graphql_introspection: bool | None = Field(
        None,
        description="`true` or `false` overrides the default",
        json_schema_extra={"shown": "on, off in production"},
    )
    max_query_depth: Whole = Field(10, description="deepest selection a document may nest", ge=1)
    max_aliases: Whole = Field(20, description="most aliases in one document", ge=1)
    max_tokens: Whole = Field(2000, description="most tokens in one document", ge=1)
    max_selections: Whole = Field(
        500, description="most field selections in one document (fields and fragments, repeats included)", ge=1
    )
    max_query_cost: Whole = Field(
        10_000,
        description="most a document may cost: 1 a field, times the page size (first) inside lists; see Security",
        ge=1,
    )
    max_nested_connections: Whole = Field(
        2, description="most lists with first/last nested in one another in a document", ge=1
    )
    max_body_bytes: Whole = Field(100_000, description="largest request body in bytes (else HTTP 413)", ge=1)
    max_response_bytes: Whole = Field(
        2_000_000,
        description="largest GraphQL response in bytes; a larger one is replaced by a RESPONSE_TOO_LARGE error",
        ge=1,
    )
    persisted_queries: bool = Field(
        True, description="Apollo's automatic persisted queries (clients register documents by hash)"
    )
    persisted_queries_file: Path | None = Field(
        None, description="Apollo persisted-query manifest (JSON) of trusted documents"
    )
    persisted_queries_only: bool = Field(
        False, description="`true` refuses every document not in `PERSISTED_QUERIES_FILE`"
    )
    persisted_queries_max_bytes: Whole = Field(
        16_384,
        description="largest document (UTF-8 bytes) stored as an automatic persisted query; a larger one runs unstored",
        ge=1,
    )
    persisted_queries_max_entries: Whole = Field(
        1000,
        description="automatic persisted queries kept, per process and in Redis; the least recently used go first",
        ge=1,
    )
    persisted_queries_max_per_address: Whole = Field(
        100, description="new documents stored as automatic persisted queries per address in a persisting window", ge=1
    )
    persisted_queries_window: Whole = Field(3600, description="the persisting window, in seconds", ge=1)
    metrics_token: str = Field(
        "",
        description="bearer token `GET /metrics` requires; without one it is open, and off in production",
        repr=False,
    )
    prometheus_multiproc_dir: str = Field(
        "",
        description="set by `python main.py` for WORKERS > 1 (prometheus_client's multiprocess mode); leave it unset",
    )
    otel_exporter_otlp_endpoint: str = Field(
        "",
        description="OTLP/HTTP collector (e.g. `http://otel:4318`): trace each GraphQL operation; needs the "
        "`otel` extra",
    )
    log_format: LogFormat = Field(
        "text", description="`text` (readable lines) or `json` (one JSON object a line); see Logs"
    )
    log_level: LogLevel = Field(
        "INFO", description="`DEBUG`, `INFO`, `WARNING` or `ERROR`; one line per request is `INFO`"
    )
    smtp_url: SmtpUrl = Field(
        "",
        description="`smtp://user:pass@host:587` (STARTTLS when offered; `?starttls=required` insists) or "
        "`smtps://…:465`; required in production",
        json_schema_extra={"shown": "none: mails go to the log (development)"},
        repr=False,
    )  # carries a password
    mail_from: str = Field("user-service <no-reply@localhost>", description="the From of every mail")
    verify_email_url: Link = Field(
        "http://localhost:5173/verify-email?token={token}", description="the front end's page that calls verifyEmail"
    )
    reset_password_url: Link = Field(
        "http://localhost:5173/reset-password?token={token}",
        description="the front end's page that calls resetPassword",
    )
    sign_in_url: Link = Field(
        "http://localhost:5173/sign-in?token={token}",
        description="the front end's page that calls signInWithLink (the link of a sign-in code mail)",
    )
    undo_email_change_url: Link = Field(
        "http://localhost:5173/undo-email-change?token={token}",
        description="the front end's page that calls undoEmailChange (the link mailed to the old address)",
    )
    oidc_providers: Annotated[tuple[OidcProvider, ...], NoDecode, BeforeValidator(_json_list)] = Field(
        (),
        description="sign-in providers, a JSON list of objects: `name`, `issuer`, `clientId`, `clientSecret`, "
        'optional `scopes` (`openid email profile`) and `displayName`; GitHub as `{"name": "github", '
        '"type": "github", "clientId": …, "clientSecret": …}`; see Sign in with a provider',
        repr=False,
    )
    sign_in_redirect_urls: RedirectUrls = Field(
        (),
        description="the front end's pages a provider sign-in may return to (`redirectTo`), space or comma "
        "separated; any other is refused",
    )
    public_url: Annotated[str, AfterValidator(_public_url)] = Field(
        "",
        description="this server's address as browsers reach it (e.g. https://api.example.com), for the provider "
        "callback URL `{PUBLIC_URL}/auth/callback/{name}` to register at each provider",
        json_schema_extra={"shown": "the request's own"},
    )
    provider_sign_in_ttl: Whole = Field(
        600, description="how long a provider sign-in may take, and its one-time code lives, in seconds", ge=1
    )
    provider_sign_in_max_per_address: Whole = Field(
        60, description="provider sign-ins and links begun per client address per window", ge=1
    )
    provider_sign_in_window: Whole = Field(3600, description="the provider sign-in window, in seconds", ge=1)
    mail_templates_dir: Path | None = Field(
        None,
        description="a folder whose templates replace the built-in ones of the same name",
        json_schema_extra={"shown": "the built-in ones"},
    )
    verify_email_ttl: Whole = Field(24 * 3600, description="lifetime of an email-verification token in seconds", ge=1)
    reset_password_ttl: Whole = Field(3600, description="lifetime of a password-reset token in seconds", ge=1)
    undo_email_change_ttl: Whole = Field(
        7 * 24 * 3600,
        description="lifetime of the undo link mailed to the old address on an email change, in seconds (7 days)",
        ge=1,
    )
    sign_in_code_ttl: Whole = Field(
        600, description="lifetime of a mailed sign-in code and its link, in seconds (10 minutes)", ge=1
    )
    mail_max_attempts: Whole = Field(10, description="tries to send a mail before giving up on it (logged)", ge=1)
    mail_retry_seconds: Whole = Field(
        30, description="wait before the first retry of a mail; doubled on each try, at most an hour", ge=1
    )
    mail_poll_seconds: Whole = Field(
        5, description="how often the sender looks for mail written by other instances", ge=1
    )
    # --- signing keys (JWKS) ---
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: ``from_environ`` is the one reader of the environment."""
        return (init_settings,)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment (or ``environ``); a bad value is a SettingsError naming its variable.
        Outside production, a missing JWT_SECRET is one kept in the data folder, made on first use."""
        try:
            settings = cls(**_read(os.environ if environ is None else environ))
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None
        if settings.jwt_secret:
            return settings
        return settings.model_copy(update={"jwt_secret": _local_secret(settings.data_dir)})

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        """The rules between settings, every broken one in the message. Production signs tokens that every
        instance accepts: it needs a secret. (Its mail server is a serving rule, checked at start-up by
        ``check_mail``: `python main.py migrate` and the other commands send no mail.)"""
        rules = [
            (bool(self.jwt_secret) and len(self.jwt_secret.encode()) < MIN_SECRET_BYTES, SHORT_JWT_SECRET),
            (self.is_production and not self.jwt_secret, NO_JWT_SECRET),
            (self.persisted_queries_only and self.persisted_queries_file is None, ONLY_WITHOUT_MANIFEST),
            (self.auth_cookies and "*" in self.cors_origins, COOKIES_WITH_ANY_ORIGIN),
            (self.auth_cookie_name.startswith("__Secure-") and not self.auth_cookie_secure, SECURE_COOKIES_PREFIX),
            (self.auth_cookie_samesite == "none" and not self.auth_cookie_secure, SAMESITE_NONE_INSECURE),
            (self.auth_cookies and self.is_production and not self.auth_cookie_secure, INSECURE_COOKIES_IN_PRODUCTION),
            (self.is_production and self.passkeys_on and not self.webauthn_rp_id, NO_WEBAUTHN_RP_ID),
            (self.is_production and self.passkeys_on and not self.webauthn_origins, NO_WEBAUTHN_ORIGINS),
            (self.passkeys_on and bool(self._origins_off_the_relying_party()), self._origins_off_message()),
            (
                self.is_production and any(p.issuer.startswith("http:") for p in self.oidc_providers),
                HTTP_ISSUER_IN_PRODUCTION,
            ),
            (len({p.name for p in self.oidc_providers}) < len(self.oidc_providers), DUPLICATE_PROVIDERS),
        ]
        broken = [message for is_broken, message in rules if is_broken]
        if broken:
            raise ValueError(" ".join(broken))
        return self

    def _origins_off_the_relying_party(self) -> list[str]:
        """The WEBAUTHN_ORIGINS whose host is neither the relying party ID nor under it: a browser refuses
        passkeys there, so a typo is caught at start-up rather than at someone's first passkey."""
        rp_id = self.relying_party_id
        hosts = {origin: urlsplit(origin).hostname or "" for origin in self.relying_party_origins}
        return [origin for origin, host in hosts.items() if rp_id and host != rp_id and not host.endswith("." + rp_id)]

    def _origins_off_message(self) -> str:
        off = ", ".join(self._origins_off_the_relying_party())
        return f"WEBAUTHN_ORIGINS: {off} is not on WEBAUTHN_RP_ID {self.relying_party_id!r} or a subdomain of it."

    @property
    def introspection_enabled(self) -> bool:
        return not self.is_production if self.graphql_introspection is None else self.graphql_introspection

    @property
    def passkeys_on(self) -> bool:
        """PASSKEYS_ENABLED when set; else on, in production only once WEBAUTHN_RP_ID names the site."""
        if self.passkeys_enabled is not None:
            return self.passkeys_enabled
        return bool(self.webauthn_rp_id) or not self.is_production

    @property
    def relying_party_id(self) -> str:
        """WEBAUTHN_RP_ID; outside production ``localhost`` when unset."""
        return self.webauthn_rp_id or ("" if self.is_production else "localhost")

    @property
    def relying_party_origins(self) -> tuple[str, ...]:
        """WEBAUTHN_ORIGINS; outside production, when unset, Vite's development server and this server's own."""
        if self.webauthn_origins or self.is_production:
            return self.webauthn_origins
        return ("http://localhost:5173", f"http://localhost:{self.port}")

    @property
    def metrics_enabled(self) -> bool:
        return bool(self.metrics_token) or not self.is_production

    @property
    def refresh_cookie_name(self) -> str:
        """AUTH_COOKIE_NAME, else ``__Secure-refresh_token``: browsers keep a ``__Secure-`` cookie only if it is
        Secure, so no plain-http page can plant one of that name."""
        if self.auth_cookie_name:
            return self.auth_cookie_name
        return "__Secure-refresh_token" if self.auth_cookie_secure else "refresh_token"

    @property
    def asymmetric_tokens(self) -> bool:
        """Access tokens signed with a key pair from the database (JWT_ALGORITHM other than HS256)."""
        return self.jwt_algorithm != "HS256"

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir.resolve() / 'users.sqlite3'}"

    def check_mail(self) -> None:
        """Production serves with a mail server (web/startup.py's check_startup asks, after the database)."""
        if self.is_production and not self.smtp_url:
            raise SettingsError(NO_MAIL_SERVER)

    def totp_keys(self) -> tuple[str, ...]:
        """TOTP_ENCRYPTION_KEY; outside production, a key kept in the data folder, made on first use.
        Production needs the key only once anyone uses two-factor sign-in: a start-up check asks the database."""
        if self.totp_encryption_key:
            return self.totp_encryption_key
        if self.is_production:
            raise SettingsError(f"TOTP_ENCRYPTION_KEY is not set; generate one with `{NEW_FERNET_KEY}`.")
        return (_local_secret(self.data_dir, TOTP_KEY_FILE_NAME, _new_fernet_key, "TOTP_ENCRYPTION_KEY"),)


def _read(environ: Mapping[str, str]) -> dict[str, Any]:
    """pydantic-settings' reading of the variables (any case, empty is unset, lists as words) from ``environ``:
    ``os.environ`` for the server, a dict for a test."""
    source = EnvSettingsSource(Settings)
    source.env_vars = parse_env_vars(environ, source.case_sensitive, source.env_ignore_empty, source.env_parse_none_str)
    return source()


def _explain(error: ValidationError) -> str:
    """pydantic's verdict, in the operator's terms: the variable's name and what it must be. A secret's
    value is never repeated."""
    problems = []
    for detail in error.errors():
        message = detail["msg"].removeprefix("Value error, ")
        if not detail["loc"]:  # a rule between settings: its message names the variables
            problems.append(message)
            continue
        field = str(detail["loc"][0])
        shown = Settings.model_fields[field].repr if field in Settings.model_fields else False
        problems.append(f"{field.upper()}: {message}" + (f" (got {detail.get('input')!r})" if shown else ""))
    return "; ".join(problems)


@dataclass(frozen=True)
class Variable:
    """One environment variable, as the docs show it."""

    name: str
    attribute: str
    documented_default: str
    meaning: str


def _documented_default(default: object, shown: str) -> str:
    if shown:
        return shown
    if default in ("", (), None):
        return "none"
    text = str(default).lower() if isinstance(default, bool) else str(default)
    return f"`{text}`"


def _variable(attribute: str) -> Variable:
    info = Settings.model_fields[attribute]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    shown = _documented_default(info.default, str(extra.get("shown") or ""))
    return Variable(attribute.upper(), attribute, shown, info.description or "")


VARIABLES = tuple(_variable(attribute) for attribute in Settings.model_fields)


def markdown_table() -> str:
    """README's configuration table."""
    rows = [f"| `{v.name}` | {v.documented_default} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(["| variable | default | meaning |", "| --- | --- | --- |", *rows])


def help_table() -> str:
    """The environment variables, for ``python main.py --help``."""
    width = max(len(v.name) for v in VARIABLES)
    return "\n".join(
        f"  {v.name:<{width}}  {v.meaning.replace('`', '')} (default: {v.documented_default.replace('`', '')})"
        for v in VARIABLES
    )


def _new_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


def _new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(FERNET_KEY_BYTES)).decode("ascii")


def _local_secret(
    data_dir: Path,
    file_name: str = SECRET_FILE_NAME,
    generate: Callable[[], str] = _new_jwt_secret,
    variable: str = "JWT_SECRET",
) -> str:
    """A development-only secret, generated once and kept (mode 0600) under ``data_dir``."""
    path = data_dir / file_name
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _publish_new_secret(path, generate, variable)
    secret = path.read_text().strip()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes; delete it.")
    return secret


def _publish_new_secret(path: Path, generate: Callable[[], str], variable: str) -> None:
    """Write the secret to a private temporary file, then link it into place.

    The link is atomic and fails if the file exists, so workers starting together all end up
    reading one complete secret.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate() + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return
    finally:
        os.unlink(temporary)
    log.warning(
        "%s is not set: generated a development secret in %s. Set %s (and APP_ENV=production) before deploying.",
        variable,
        path,
        variable,
    )
