"""The only module that reads the environment.

Everything configurable lives in :class:`Settings`; ``Settings.from_environ()``
builds it once at start-up, tests build it directly.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from starlette.config import Config, Environ

log = logging.getLogger("settings")

ENVIRONMENTS = ("development", "production", "test")
MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 - a file name


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
        app_env = config("APP_ENV", default="development").strip().lower()
        if app_env not in ENVIRONMENTS:
            raise SettingsError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}; got {app_env!r}.")
        data_dir = Path(config("DATA_DIR", default="data"))
        settings = cls(
            app_env=app_env,
            host=config("HOST", default="127.0.0.1"),
            port=_positive_int(config, "PORT", 8000, maximum=65535),
            workers=_positive_int(config, "WORKERS", 1, maximum=64),
            data_dir=data_dir,
            database_url=config("DATABASE_URL", default=""),
            jwt_secret=config("JWT_SECRET", default=""),
            jwt_issuer=config("JWT_ISSUER", default="user-service"),
            jwt_audience=config("JWT_AUDIENCE", default="user-service"),
            access_token_ttl=_positive_int(config, "ACCESS_TOKEN_TTL", 900),
            refresh_token_ttl=_positive_int(config, "REFRESH_TOKEN_TTL", 30 * 24 * 3600),
            bcrypt_rounds=_positive_int(config, "BCRYPT_ROUNDS", 12),
            redis_url=config("REDIS_URL", default=""),
            redis_prefix=config("REDIS_PREFIX", default="user-service:"),
            rate_limit_enabled=_bool(config, "RATE_LIMIT_ENABLED", default=True),
            limits=RateLimits(
                login_failures_per_account_and_address=_positive_int(config, "LOGIN_MAX_FAILURES", 5),
                login_failures_per_address=_positive_int(config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 50),
                login_failures_per_account=_positive_int(config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 100),
                login_window=_positive_int(config, "LOGIN_WINDOW", 900),
                registrations_per_address=_positive_int(config, "REGISTER_MAX_PER_ADDRESS", 20),
                registration_window=_positive_int(config, "REGISTER_WINDOW", 3600),
                refreshes_per_address=_positive_int(config, "REFRESH_MAX_PER_ADDRESS", 60),
                refresh_window=_positive_int(config, "REFRESH_WINDOW", 60),
            ),
            trusted_proxies=_networks(config, "TRUSTED_PROXIES"),
            cors_origins=_words(config, "CORS_ORIGINS"),
            graphql_introspection=_optional_bool(config, "GRAPHQL_INTROSPECTION"),
            max_query_depth=_positive_int(config, "MAX_QUERY_DEPTH", 10),
            max_aliases=_positive_int(config, "MAX_ALIASES", 20),
            max_tokens=_positive_int(config, "MAX_TOKENS", 2000),
            max_body_bytes=_positive_int(config, "MAX_BODY_BYTES", 100_000),
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


def _optional_bool(config: Config, key: str) -> bool | None:
    raw = config(key, default="").strip().lower()
    if raw == "":
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be true or false; got {raw!r}.")


def _bool(config: Config, key: str, *, default: bool) -> bool:
    value = _optional_bool(config, key)
    return default if value is None else value


def _words(config: Config, key: str) -> tuple[str, ...]:
    return tuple(word for word in config(key, default="").replace(",", " ").split() if word)


def _networks(config: Config, key: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(word, strict=False) for word in _words(config, key))
    except ValueError as exc:
        raise SettingsError(f"{key} must list IP addresses or networks (CIDR): {exc}") from None


def _positive_int(config: Config, key: str, default: int, maximum: int | None = None) -> int:
    raw = config(key, default=str(default)).strip()
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
