"""The composed :class:`Settings`: one field per variable, gathered from the concept mixins (settings/server.py,
tokens.py, ...), with what spans concepts: the rules between settings and the values derived from several.

A new capability adds a mixin module and one base here. pydantic orders the fields from the last base to the
first, so the bases are listed bottom-up: README's configuration table reads ServerSettings first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from settings.accounts import AccountSettings
from settings.cookies import (
    COOKIES_WITH_ANY_ORIGIN,
    INSECURE_COOKIES_IN_PRODUCTION,
    SAMESITE_NONE_INSECURE,
    SECURE_COOKIES_PREFIX,
    CookieSettings,
)
from settings.environment import explain, read
from settings.errors import SettingsError
from settings.exports import EXPORTS_IN_PUBLIC_BUCKET, DataExportSettings
from settings.fields import MIN_SECRET_BYTES, NEW_FERNET_KEY
from settings.graphql import ONLY_WITHOUT_MANIFEST, GraphQLSettings
from settings.local_secrets import TOTP_KEY_FILE_NAME, local_secret, new_fernet_key
from settings.mail import NO_MAIL_SERVER, MailSettings
from settings.media import S3_KEYS_APART, MediaSettings
from settings.observability import ObservabilitySettings
from settings.providers import DUPLICATE_PROVIDERS, HTTP_ISSUER_IN_PRODUCTION, ProviderSettings
from settings.server import POOLER_NOT_POSTGRES, ServerSettings
from settings.sign_in import NO_WEBAUTHN_ORIGINS, NO_WEBAUTHN_RP_ID, SignInSettings
from settings.throttle import ThrottleSettings
from settings.tokens import NO_JWT_SECRET, SHORT_JWT_SECRET, TokenSettings
from settings.webhooks import WebhookSettings


class Settings(
    DataExportSettings,
    WebhookSettings,
    MediaSettings,
    MailSettings,
    ObservabilitySettings,
    GraphQLSettings,
    CookieSettings,
    ProviderSettings,
    SignInSettings,
    ThrottleSettings,
    AccountSettings,
    TokenSettings,
    ServerSettings,
    BaseSettings,
):
    """Each field is a variable; ``json_schema_extra={"shown": ...}`` is the default the docs show where
    the literal one would mislead, and ``repr=False`` keeps a secret out of logs and tracebacks."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_ignore_empty=True, case_sensitive=False, validate_default=False
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
            settings = cls(**read(cls, os.environ if environ is None else environ))
        except ValidationError as exc:
            raise SettingsError(explain(cls, exc)) from None
        if settings.jwt_secret:
            return settings
        return settings.model_copy(update={"jwt_secret": local_secret(settings.data_dir)})

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
            (
                self.database_pooler != "none" and not self.db_url.startswith(("postgres", "asyncpg")),
                POOLER_NOT_POSTGRES,
            ),
            (bool(self.media_s3_access_key_id) != bool(self.media_s3_secret_access_key), S3_KEYS_APART),
            (
                bool(self.exports_s3_bucket)
                and self.exports_s3_bucket == self.media_s3_bucket
                and bool(self.media_base_url),
                EXPORTS_IN_PUBLIC_BUCKET,
            ),
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
        return (local_secret(self.data_dir, TOTP_KEY_FILE_NAME, new_fernet_key, "TOTP_ENCRYPTION_KEY"),)
