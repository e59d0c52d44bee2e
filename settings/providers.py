"""Sign-in with a provider (OpenID Connect, GitHub): the providers, and where their sign-ins may return to."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_settings import NoDecode

from settings.fields import RedirectUrls, Whole

HTTP_ISSUER_IN_PRODUCTION = (
    "OIDC_PROVIDERS: a provider's issuer must be an https:// URL in production (plain http:// is for a local "
    "provider in development)."
)
DUPLICATE_PROVIDERS = "OIDC_PROVIDERS: two providers have the same name."
PROVIDER_NAMES = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
GITHUB_SCOPES = "read:user user:email"
OIDC_SCOPES = "openid email profile"


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


ProviderList = Annotated[tuple[OidcProvider, ...], NoDecode, BeforeValidator(_json_list)]


class ProviderSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    oidc_providers: ProviderList = Field(
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
    provider_sign_in_ttl: Whole = Field(
        600, description="how long a provider sign-in may take, and its one-time code lives, in seconds", ge=1
    )
    provider_sign_in_max_per_address: Whole = Field(
        60, description="provider sign-ins and links begun per client address per window", ge=1
    )
    provider_sign_in_window: Whole = Field(3600, description="the provider sign-in window, in seconds", ge=1)
