"""The only module that reads the environment.

Everything configurable lives in :class:`Settings`; ``Settings.from_environ()``
builds it once at start-up, tests build it directly. ``VARIABLES`` lists every
variable once, with its default and meaning: ``from_environ`` takes its defaults
from there, and ``python main.py --help`` and README's table are rendered from it.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from starlette.config import Config, Environ

log = logging.getLogger("settings")

ENVIRONMENTS = ("development", "production", "test")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 - a file name


@dataclass(frozen=True)
class Variable:
    """One environment variable: ``default`` is what an unset variable reads as ("" for none)."""

    name: str
    default: str
    meaning: str
    shown_default: str = ""  # for the docs, where the literal default would mislead

    @property
    def documented_default(self) -> str:
        return self.shown_default or (f"`{self.default}`" if self.default else "none")


VARIABLES = (
    Variable(
        "APP_ENV",
        "development",
        "`development`, `test` or `production`; production turns GraphiQL and introspection off and needs `JWT_SECRET`",
    ),
    Variable("HOST", "127.0.0.1", "address `python main.py` listens on"),
    Variable("PORT", "8000", "port `python main.py` listens on"),
    Variable("WORKERS", "1", "uvicorn worker processes for `python main.py`; about one per CPU core"),
    Variable(
        "DATABASE_URL",
        "",
        "e.g. `postgres://user:pass@db:5432/users`, `mysql://user:pass@db:3306/users`",
        shown_default="SQLite file `users.sqlite3` in `DATA_DIR`",
    ),
    Variable("DATA_DIR", "data", "folder for the default SQLite file and the development secret"),
    Variable("JWT_SECRET", "", "at least 32 bytes, the same on every instance; required in production"),
    Variable("JWT_ISSUER", "user-service", "the `iss` claim of access tokens"),
    Variable("JWT_AUDIENCE", "user-service", "the `aud` claim of access tokens"),
    Variable("ACCESS_TOKEN_TTL", "900", "access-token lifetime in seconds"),
    Variable("REFRESH_TOKEN_TTL", "2592000", "refresh-token lifetime in seconds (30 days)"),
    Variable("BCRYPT_ROUNDS", "12", "bcrypt cost (4-31); about 0.2 s a hash at 12"),
    Variable("REDIS_URL", "", "Redis for rate-limit counters shared by every worker and instance; else in memory"),
    Variable("REDIS_PREFIX", "user-service:", "prefix of this service's Redis keys"),
    Variable("RATE_LIMIT_ENABLED", "true", "`false` turns throttling off (e.g. for a local load test)"),
    Variable("LOGIN_MAX_FAILURES", "5", "failed logins per account and address in a login window"),
    Variable("LOGIN_MAX_FAILURES_PER_ADDRESS", "50", "failed logins per address in a login window"),
    Variable("LOGIN_MAX_FAILURES_PER_ACCOUNT", "100", "failed logins per account, from anywhere, in a login window"),
    Variable("LOGIN_WINDOW", "900", "the login window, in seconds"),
    Variable("REGISTER_MAX_PER_ADDRESS", "20", "registrations per address in a registration window"),
    Variable("REGISTER_WINDOW", "3600", "the registration window, in seconds"),
    Variable("REFRESH_MAX_PER_ADDRESS", "60", "token refreshes per address in a refresh window"),
    Variable("REFRESH_WINDOW", "60", "the refresh window, in seconds"),
    Variable("TRUSTED_PROXIES", "", "IPs or CIDRs whose `X-Forwarded-For` is believed"),
    Variable("CORS_ORIGINS", "", "origins allowed to call from a browser, space or comma separated"),
    Variable(
        "GRAPHQL_INTROSPECTION",
        "",
        "`true` or `false` overrides the default",
        shown_default="on, off in production",
    ),
    Variable("MAX_QUERY_DEPTH", "10", "deepest selection a document may nest"),
    Variable("MAX_ALIASES", "20", "most aliases in one document"),
    Variable("MAX_TOKENS", "2000", "most tokens in one document"),
    Variable("MAX_BODY_BYTES", "100000", "largest request body in bytes (else HTTP 413)"),
    Variable("LOG_FORMAT", "text", "`text` (readable lines) or `json` (one JSON object a line); see Logs"),
    Variable("LOG_LEVEL", "INFO", "`DEBUG`, `INFO`, `WARNING` or `ERROR`; one line per request is `INFO`"),
)
DEFAULTS = {variable.name: variable.default for variable in VARIABLES}


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


class SettingsError(RuntimeError):
    """The environment cannot run the server; the message says what to set."""


@dataclass(frozen=True)
class RateLimits:
    """How many attempts a window allows. Failed logins are counted three ways, so one address
    cannot lock an account for everyone and a botnet cannot guess one account forever."""

    login_failures_per_account_and_address: int = 5
    login_failures_per_address: int = 50
    login_failures_per_account: int = 100
    login_window: int = 900
    registrations_per_address: int = 20
    registration_window: int = 3600
    refreshes_per_address: int = 60
    refresh_window: int = 60


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    data_dir: Path = Path("data")
    database_url: str = field(default="", repr=False)  # may carry a password
    jwt_secret: str = field(default="", repr=False)
    jwt_issuer: str = "user-service"
    jwt_audience: str = "user-service"
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    bcrypt_rounds: int = 12
    log_format: str = "text"
    log_level: str = "INFO"
    redis_url: str = field(default="", repr=False)
    redis_prefix: str = "user-service:"
    rate_limit_enabled: bool = True
    limits: RateLimits = field(default_factory=lambda: RateLimits())
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    cors_origins: tuple[str, ...] = ()
    graphql_introspection: bool | None = None  # None: on in development, off in production
    max_query_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 2000
    max_body_bytes: int = 100_000

    @property
    def introspection_enabled(self) -> bool:
        return not self.is_production if self.graphql_introspection is None else self.graphql_introspection

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir.resolve() / 'users.sqlite3'}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        config = Config(environ=Environ(dict(environ if environ is not None else os.environ)))
        app_env = _choice(config, "APP_ENV", ENVIRONMENTS, str.lower)
        settings = cls(
            app_env=app_env,
            host=_read(config, "HOST"),
            port=_positive_int(config, "PORT", maximum=65535),
            workers=_positive_int(config, "WORKERS", maximum=64),
            data_dir=Path(_read(config, "DATA_DIR")),
            database_url=_read(config, "DATABASE_URL"),
            jwt_secret=_read(config, "JWT_SECRET"),
            jwt_issuer=_read(config, "JWT_ISSUER"),
            jwt_audience=_read(config, "JWT_AUDIENCE"),
            access_token_ttl=_positive_int(config, "ACCESS_TOKEN_TTL"),
            bcrypt_rounds=_positive_int(config, "BCRYPT_ROUNDS"),
            refresh_token_ttl=_positive_int(config, "REFRESH_TOKEN_TTL"),
            redis_url=_read(config, "REDIS_URL"),
            redis_prefix=_read(config, "REDIS_PREFIX"),
            rate_limit_enabled=_bool(config, "RATE_LIMIT_ENABLED"),
            limits=RateLimits(
                login_failures_per_account_and_address=_positive_int(config, "LOGIN_MAX_FAILURES"),
                login_failures_per_address=_positive_int(config, "LOGIN_MAX_FAILURES_PER_ADDRESS"),
                login_failures_per_account=_positive_int(config, "LOGIN_MAX_FAILURES_PER_ACCOUNT"),
                login_window=_positive_int(config, "LOGIN_WINDOW"),
                registrations_per_address=_positive_int(config, "REGISTER_MAX_PER_ADDRESS"),
                registration_window=_positive_int(config, "REGISTER_WINDOW"),
                refreshes_per_address=_positive_int(config, "REFRESH_MAX_PER_ADDRESS"),
                refresh_window=_positive_int(config, "REFRESH_WINDOW"),
            ),
            trusted_proxies=_networks(config, "TRUSTED_PROXIES"),
            cors_origins=_words(config, "CORS_ORIGINS"),
            graphql_introspection=_optional_bool(config, "GRAPHQL_INTROSPECTION"),
            max_query_depth=_positive_int(config, "MAX_QUERY_DEPTH"),
            max_aliases=_positive_int(config, "MAX_ALIASES"),
            max_tokens=_positive_int(config, "MAX_TOKENS"),
            max_body_bytes=_positive_int(config, "MAX_BODY_BYTES"),
            log_format=_choice(config, "LOG_FORMAT", LOG_FORMATS, str.lower),
            log_level=_choice(config, "LOG_LEVEL", LOG_LEVELS, str.upper),
        )
        if not 4 <= settings.bcrypt_rounds <= 31:
            raise SettingsError("BCRYPT_ROUNDS must be between 4 and 31.")
        return settings.with_secret()

    def with_secret(self) -> Settings:
        """Check JWT_SECRET; in development, fall back to a secret kept in the data folder."""
        if len(self.jwt_secret.encode()) >= MIN_SECRET_BYTES:
            return self
        if self.jwt_secret:
            raise SettingsError(
                f"JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if self.is_production:
            raise SettingsError(
                "JWT_SECRET is not set. In production the server needs a secret of at least "
                f"{MIN_SECRET_BYTES} bytes, shared by every instance; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        return replace(self, jwt_secret=_local_secret(self.data_dir))


def _read(config: Config, key: str) -> str:
    """The variable's value; a key missing from VARIABLES fails here, so the docs cannot miss one."""
    return config(key, default=DEFAULTS[key])


def _choice(config: Config, key: str, choices: tuple[str, ...], normalise: Callable[[str], str]) -> str:
    value = normalise(_read(config, key).strip())
    if value not in choices:
        raise SettingsError(f"{key} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def _optional_bool(config: Config, key: str) -> bool | None:
    raw = _read(config, key).strip().lower()
    if raw == "":
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be true or false; got {raw!r}.")


def _bool(config: Config, key: str) -> bool:
    value = _optional_bool(config, key)
    return DEFAULTS[key] == "true" if value is None else value


def _words(config: Config, key: str) -> tuple[str, ...]:
    return tuple(word for word in _read(config, key).replace(",", " ").split() if word)


def _networks(config: Config, key: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(word, strict=False) for word in _words(config, key))
    except ValueError as exc:
        raise SettingsError(f"{key} must list IP addresses or networks (CIDR): {exc}") from None


def _positive_int(config: Config, key: str, maximum: int | None = None) -> int:
    raw = _read(config, key).strip()
    if not (raw.isascii() and raw.isdigit()):
        raise SettingsError(f"{key} must be a whole number; got {raw!r}.")
    value = int(raw)
    if value <= 0 or (maximum is not None and value > maximum):
        raise SettingsError(f"{key} must be between 1 and {maximum or 'any size'}; got {value}.")
    return value


def _local_secret(data_dir: Path) -> str:
    """A development-only secret, generated once and kept (mode 0600) under ``data_dir``."""
    path = data_dir / SECRET_FILE_NAME
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _publish_new_secret(path)
    secret = path.read_text().strip()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes; delete it.")
    return secret


def _publish_new_secret(path: Path) -> None:
    """Write the secret to a private temporary file, then link it into place.

    The link is atomic and fails if the file exists, so workers starting together all end up
    reading one complete secret.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".jwt-secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return
    finally:
        os.unlink(temporary)
    log.warning(
        "JWT_SECRET is not set: generated a development secret in %s. "
        "Set JWT_SECRET (and APP_ENV=production) before deploying.",
        path,
    )
