"""The only module that reads the environment.

Every setting is declared once, as a field of :class:`Settings`: its type, default, bounds and
description. ``Settings.from_environ()`` reads each field from the variable of the same name in
upper case and lets pydantic parse and check it; ``python main.py --help`` and README's
configuration table are rendered from the same declarations. Tests build ``Settings`` directly.
Adding a setting is adding one field.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass as pydantic_dataclass

log = logging.getLogger("settings")

MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 - a file name
TOTP_KEY_FILE_NAME = "totp-key"
FERNET_KEY_BYTES = 32
NO_MAIL_SERVER = (
    "SMTP_URL is not set. In production the server mails verification links, password resets and "
    "account notices; set SMTP_URL (e.g. smtp://user:pass@mail.example.com:587) and MAIL_FROM."
)
NEW_FERNET_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class SettingsError(RuntimeError):
    """The environment cannot run the server; the message says what to set."""


# How a variable's text becomes a value. Each also accepts the typed value, for tests.
def _whole_number(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError("must be a whole number")
        return int(text)
    return value


def _days(value: object) -> object:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError("must be a number of days, e.g. 30 or 0.5") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number of days")
    return value


def _words(value: object) -> object:
    return tuple(value.replace(",", " ").split()) if isinstance(value, str) else value


def _networks(value: object) -> object:
    words = _words(value)
    if isinstance(words, tuple):
        try:
            return tuple(ip_network(word, strict=False) if isinstance(word, str) else word for word in words)
        except ValueError as exc:
            raise ValueError(f"must list IP addresses or networks (CIDR): {exc}") from None
    return words


def _fernet_keys(value: object) -> object:
    keys = _words(value)
    if isinstance(keys, tuple):
        for key in keys:
            try:
                decoded = base64.urlsafe_b64decode(key.encode("ascii")) if isinstance(key, str) else b""
            except (binascii.Error, UnicodeEncodeError):
                decoded = b""
            if len(decoded) != FERNET_KEY_BYTES:
                raise ValueError(
                    f"must be Fernet keys (32 bytes in URL-safe base64); generate one with `{NEW_FERNET_KEY}`"
                )
    return keys


def _optional_bool(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


def _link(value: object) -> object:
    if isinstance(value, str) and "{token}" not in value:
        raise ValueError("must contain {token}, where the mailed token goes")
    return value


def _smtp_url(value: object) -> object:
    if (
        isinstance(value, str)
        and value
        and not (value.startswith(("smtp://", "smtps://")) and urlsplit(value).hostname)
    ):
        raise ValueError("must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    return value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Whole = Annotated[int, BeforeValidator(_whole_number)]
Days = Annotated[float, BeforeValidator(_days)]
Words = Annotated[tuple[str, ...], BeforeValidator(_words)]
FernetKeys = Annotated[tuple[str, ...], BeforeValidator(_fernet_keys)]
Networks = Annotated[tuple[IPv4Network | IPv6Network, ...], BeforeValidator(_networks)]
OptionalBool = Annotated[bool | None, BeforeValidator(_optional_bool)]
OptionalPath = Annotated[Path | None, BeforeValidator(_blank_is_none)]
Link = Annotated[str, AfterValidator(_link)]
SmtpUrl = Annotated[str, AfterValidator(_smtp_url)]
Environment = Annotated[Literal["development", "test", "production"], BeforeValidator(_lower)]
LogFormat = Annotated[Literal["text", "json"], BeforeValidator(_lower)]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)]


def setting(
    default: Any,
    description: str,
    *,
    shown: str = "",
    secret: bool = False,
    ge: int | None = None,
    le: int | None = None,
) -> Any:
    """One setting: its default, its meaning (README and --help), ``shown`` where the literal default
    would mislead in the docs, ``secret`` to keep it out of repr, and ``ge``/``le`` bounds."""
    return Field(default, description=description, repr=not secret, json_schema_extra={"shown": shown}, ge=ge, le=le)


@pydantic_dataclass(frozen=True, kw_only=True, config=ConfigDict(extra="forbid"))
class Settings:
    app_env: Environment = setting(
        "development",
        "`development`, `test` or `production`; production turns GraphiQL and introspection off and needs `JWT_SECRET`",
    )
    host: str = setting("127.0.0.1", "address `python main.py` listens on")
    port: Whole = setting(8000, "port `python main.py` listens on", ge=1, le=65535)
    workers: Whole = setting(1, "uvicorn worker processes for `python main.py`; about one per CPU core", ge=1, le=64)
    database_url: str = setting(
        "",
        "e.g. `postgres://user:pass@db:5432/users`, `mysql://user:pass@db:3306/users`",
        shown="SQLite file `users.sqlite3` in `DATA_DIR`",
        secret=True,  # may carry a password
    )
    data_dir: Path = setting(Path("data"), "folder for the default SQLite file and the development secret")
    jwt_secret: str = setting("", "at least 32 bytes, the same on every instance; required in production", secret=True)
    jwt_issuer: str = setting("user-service", "the `iss` claim of access tokens")
    jwt_audience: str = setting("user-service", "the `aud` claim of access tokens")
    access_token_ttl: Whole = setting(900, "access-token lifetime in seconds", ge=1)
    refresh_token_ttl: Whole = setting(30 * 24 * 3600, "refresh-token lifetime in seconds (30 days)", ge=1)
    session_max_age: Whole = setting(90 * 24 * 3600, "absolute session lifetime in seconds (90 days)", ge=1)
    account_restore_days: Days = setting(
        30, "days a deactivated account can be restored by signing in; then the clean-up deletes it", ge=0, le=36500
    )
    security_event_days: Whole = setting(90, "days a security event is kept, then pruned", ge=1)
    maintenance_interval: Whole = setting(
        3600, "seconds between the server's clean-ups (old security events, accounts past the restore window)", ge=1
    )
    recent_sign_in_seconds: Whole = setting(
        600,
        "seconds after a sign-in with the password during which its session may change the email or delete the "
        "account without sending the password again",
        ge=1,
    )
    bcrypt_rounds: Whole = setting(12, "bcrypt cost (4-31); about 0.2 s a hash at 12", ge=4, le=31)
    redis_url: str = setting(
        "",
        "Redis for rate-limit counters shared by every worker and instance; else in memory",
        secret=True,
    )
    redis_prefix: str = setting("user-service:", "prefix of this service's Redis keys")
    rate_limit_enabled: bool = setting(True, "`false` turns throttling off (e.g. for a local load test)")
    login_max_failures: Whole = setting(5, "failed logins per account and address in a login window", ge=1)
    login_max_failures_per_address: Whole = setting(50, "failed logins per address in a login window", ge=1)
    login_max_failures_per_account: Whole = setting(
        100, "failed logins per account, from anywhere, in a login window", ge=1
    )
    login_window: Whole = setting(900, "the login window, in seconds", ge=1)
    register_max_per_address: Whole = setting(20, "registrations per address in a registration window", ge=1)
    register_window: Whole = setting(3600, "the registration window, in seconds", ge=1)
    refresh_max_per_address: Whole = setting(60, "token refreshes per address in a refresh window", ge=1)
    refresh_window: Whole = setting(60, "the refresh window, in seconds", ge=1)
    conflict_max_per_account: Whole = setting(
        10, "updates answered CONFLICT (a taken userName, email or phoneNumber) per account in a conflict window", ge=1
    )
    conflict_max_per_address: Whole = setting(20, "updates answered CONFLICT per address in a conflict window", ge=1)
    conflict_window: Whole = setting(3600, "the conflict window, in seconds", ge=1)
    password_reset_max_per_address: Whole = setting(
        20, "password-reset and verification mails asked for per address in a reset window", ge=1
    )
    password_reset_max_per_email: Whole = setting(
        5, "password-reset and verification mails asked for per email address in a reset window", ge=1
    )
    password_reset_window: Whole = setting(3600, "the reset window, in seconds", ge=1)
    totp_issuer: str = setting("user-service", "the issuer authenticator apps show for two-factor sign-in")
    totp_encryption_key: FernetKeys = setting(
        (),
        "Fernet key encrypting TOTP secrets at rest (older keys after it, space separated, still decrypt); "
        "required in production once anyone uses two-factor sign-in",
        secret=True,
    )
    trusted_proxies: Networks = setting((), "IPs or CIDRs whose `X-Forwarded-For` is believed")
    cors_origins: Words = setting((), "origins allowed to call from a browser, space or comma separated")
    graphql_introspection: OptionalBool = setting(
        None, "`true` or `false` overrides the default", shown="on, off in production"
    )
    max_query_depth: Whole = setting(10, "deepest selection a document may nest", ge=1)
    max_aliases: Whole = setting(20, "most aliases in one document", ge=1)
    max_tokens: Whole = setting(2000, "most tokens in one document", ge=1)
    max_selections: Whole = setting(
        500, "most field selections in one document (fields and fragments, repeats included)", ge=1
    )
    max_query_cost: Whole = setting(
        10_000, "most a document may cost: 1 a field, times the page size (first) inside lists; see Security", ge=1
    )
    max_nested_connections: Whole = setting(2, "most lists with first/last nested in one another in a document", ge=1)
    max_body_bytes: Whole = setting(100_000, "largest request body in bytes (else HTTP 413)", ge=1)
    max_response_bytes: Whole = setting(
        2_000_000, "largest GraphQL response in bytes; a larger one is replaced by a RESPONSE_TOO_LARGE error", ge=1
    )
    persisted_queries: bool = setting(True, "Apollo's automatic persisted queries (clients register documents by hash)")
    persisted_queries_file: Path | None = setting(None, "Apollo persisted-query manifest (JSON) of trusted documents")
    persisted_queries_only: bool = setting(False, "`true` refuses every document not in `PERSISTED_QUERIES_FILE`")
    persisted_queries_max_bytes: Whole = setting(
        16_384,
        "largest document (UTF-8 bytes) stored as an automatic persisted query; a larger one runs unstored",
        ge=1,
    )
    persisted_queries_max_entries: Whole = setting(
        1000, "automatic persisted queries kept, per process and in Redis; the least recently used go first", ge=1
    )
    persisted_queries_max_per_address: Whole = setting(
        100, "new documents stored as automatic persisted queries per address in a persisting window", ge=1
    )
    persisted_queries_window: Whole = setting(3600, "the persisting window, in seconds", ge=1)
    metrics_token: str = setting(
        "", "bearer token `GET /metrics` requires; without one it is open, and off in production", secret=True
    )
    prometheus_multiproc_dir: str = setting(
        "", "set by `python main.py` for WORKERS > 1 (prometheus_client's multiprocess mode); leave it unset"
    )
    otel_exporter_otlp_endpoint: str = setting(
        "", "OTLP/HTTP collector (e.g. `http://otel:4318`): trace each GraphQL operation; needs the `otel` extra"
    )
    log_format: LogFormat = setting("text", "`text` (readable lines) or `json` (one JSON object a line); see Logs")
    log_level: LogLevel = setting("INFO", "`DEBUG`, `INFO`, `WARNING` or `ERROR`; one line per request is `INFO`")
    smtp_url: SmtpUrl = setting(
        "",
        "`smtp://user:pass@host:587` (STARTTLS when offered; `?starttls=required` insists) or `smtps://…:465`; "
        "required in production",
        shown="none: mails go to the log (development)",
        secret=True,  # carries a password
    )
    mail_from: str = setting("user-service <no-reply@localhost>", "the From of every mail")
    verify_email_url: Link = setting(
        "http://localhost:3000/verify-email?token={token}", "the front end's page that calls verifyEmail"
    )
    reset_password_url: Link = setting(
        "http://localhost:3000/reset-password?token={token}", "the front end's page that calls resetPassword"
    )
    undo_email_change_url: Link = setting(
        "http://localhost:3000/undo-email-change?token={token}",
        "the front end's page that calls undoEmailChange (the link mailed to the old address)",
    )
    mail_templates_dir: OptionalPath = setting(
        None, "a folder whose templates replace the built-in ones of the same name", shown="the built-in ones"
    )
    verify_email_ttl: Whole = setting(24 * 3600, "lifetime of an email-verification token in seconds", ge=1)
    reset_password_ttl: Whole = setting(3600, "lifetime of a password-reset token in seconds", ge=1)
    undo_email_change_ttl: Whole = setting(
        7 * 24 * 3600,
        "lifetime of the undo link mailed to the old address on an email change, in seconds (7 days)",
        ge=1,
    )
    mail_max_attempts: Whole = setting(10, "tries to send a mail before giving up on it (logged)", ge=1)
    mail_retry_seconds: Whole = setting(
        30, "wait before the first retry of a mail; doubled on each try, at most an hour", ge=1
    )
    mail_poll_seconds: Whole = setting(5, "how often the sender looks for mail written by other instances", ge=1)

    @property
    def introspection_enabled(self) -> bool:
        return not self.is_production if self.graphql_introspection is None else self.graphql_introspection

    @property
    def metrics_enabled(self) -> bool:
        return bool(self.metrics_token) or not self.is_production

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir.resolve() / 'users.sqlite3'}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment (or ``environ``); a bad value is a SettingsError naming its variable."""
        environ = os.environ if environ is None else environ
        given: dict[str, Any] = {v.attribute: environ[v.name] for v in VARIABLES if v.name in environ}
        try:
            settings = cls(**given)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None
        return settings.with_secret()

    def check_mail(self) -> None:
        """Refuse to serve production without a mail server: its mails would pile up unsent."""
        if self.is_production and not self.smtp_url:
            raise SettingsError(NO_MAIL_SERVER)

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

    def totp_keys(self) -> tuple[str, ...]:
        """TOTP_ENCRYPTION_KEY; outside production, a key kept in the data folder, made on first use."""
        if self.totp_encryption_key:
            return self.totp_encryption_key
        if self.is_production:
            raise SettingsError(f"TOTP_ENCRYPTION_KEY is not set; generate one with `{NEW_FERNET_KEY}`.")
        return (_local_secret(self.data_dir, TOTP_KEY_FILE_NAME, _new_fernet_key, "TOTP_ENCRYPTION_KEY"),)


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


def _variables() -> tuple[Variable, ...]:
    found = []
    for item in fields(Settings):
        info = Settings.__pydantic_fields__[item.name]  # type: ignore[attr-defined]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        shown = str(extra.get("shown") or "")
        found.append(
            Variable(item.name.upper(), item.name, _documented_default(info.default, shown), info.description or "")
        )
    return tuple(found)


VARIABLES = _variables()


def _explain(error: ValidationError) -> str:
    """pydantic's verdict, in the operator's terms: the variable's name and what it must be."""
    problems = []
    for detail in error.errors():
        name = str(detail["loc"][0]).upper() if detail["loc"] else "a setting"
        message = detail["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message} (got {detail.get('input')!r})")
    return "; ".join(problems)


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
