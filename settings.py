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
from dataclasses import dataclass, replace
from pathlib import Path

from starlette.config import Config, Environ

log = logging.getLogger("settings")

ENVIRONMENTS = ("development", "production", "test")
MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 - a file name


class SettingsError(RuntimeError):
    """The environment cannot run the server; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    data_dir: Path = Path("data")
    database_url: str = ""
    jwt_secret: str = ""
    jwt_issuer: str = "user-service"
    jwt_audience: str = "user-service"
    access_token_ttl: int = 900
    bcrypt_rounds: int = 12

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
            bcrypt_rounds=_positive_int(config, "BCRYPT_ROUNDS", 12),
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
