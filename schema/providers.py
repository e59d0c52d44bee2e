"""Output types of provider sign-in: the providers this server offers, and an account's ways to sign in."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import ProviderLink
from settings import OidcProvider


@strawberry.type(description="A provider people can sign in with (OIDC_PROVIDERS).")
class SignInProvider:
    name: str = strawberry.field(description="What providerSignInUrl(provider:) and linkProvider take.")
    display_name: str = strawberry.field(description="A name to show on the button, e.g. GitHub.")

    @classmethod
    def from_settings(cls, provider: OidcProvider) -> SignInProvider:
        return cls(name=provider.name, display_name=provider.title)


@strawberry.type(description="A provider the caller's account is linked to.")
class LinkedProvider:
    provider: str = strawberry.field(description="The provider's name.")
    email: str | None = strawberry.field(description="The email address the provider gave when it was linked.")
    linked_at: datetime = strawberry.field(description="When it was linked (or the account made through it), UTC.")

    @classmethod
    def from_model(cls, link: ProviderLink) -> LinkedProvider:
        return cls(provider=link.provider, email=link.email, linked_at=link.created_at)


@strawberry.type(description="How the caller's account can sign in; it always keeps at least one way.")
class SignInMethods:
    password: bool = strawberry.field(
        description="Whether the account has a password (an account made by a provider has none until setPassword)."
    )
    providers: list[LinkedProvider] = strawberry.field(description="The linked providers, oldest first.")
    passkeys: int = strawberry.field(description="How many passkeys the account has (the passkeys query lists them).")
