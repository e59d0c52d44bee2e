"""Sign in with an OpenID Connect provider or GitHub: providerSignInUrl, finishProviderSignIn, linkProvider,
unlinkProvider, setPassword, and the signInProviders and signInMethods queries."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth, Otp
from resolvers.authentication import signed_in_payload
from schema.context import Context
from schema.providers import LinkedProvider, SignInMethods, SignInProvider
from schema.types import AuthPayload
from services.identity import passkeys, provider_accounts, providers, sign_in_methods
from services.identity.provider_accounts import ALREADY_LINKED, EMAIL_IN_USE
from services.identity.provider_client import ID_TOKEN_INVALID, PROVIDER_UNAVAILABLE
from services.identity.providers import CANCELLED, CODE_INVALID, PROVIDER_ERROR
from services.identity.sign_in_methods import LAST_SIGN_IN_METHOD

ProviderName = Annotated[str, strawberry.argument(description="A provider's name, as signInProviders lists it.")]
RedirectTo = Annotated[
    str,
    strawberry.argument(
        description="The front end's page the browser comes back to, one of SIGN_IN_REDIRECT_URLS (a query of its "
        "own is kept); it gets ?code= (or ?error=)."
    ),
]
ProviderCode = Annotated[str, strawberry.argument(description="The code query parameter the callback added.")]
ProviderState = Annotated[
    str,
    strawberry.argument(
        description="The state parameter of the authorization URL that began this flow, as the front end kept it "
        "(sessionStorage) before sending the browser to the provider; never read it from the callback's page."
    ),
]
CurrentPassword = Annotated[
    str | None,
    strawberry.argument(
        description="The account's password, when the session did not sign in within RECENT_SIGN_IN_SECONDS."
    ),
]
NewPassword = Annotated[str, strawberry.argument(description="The new password (8 to 128 characters, not common).")]

CALLBACK_ERRORS = (
    f"The callback's ?error= values: {CANCELLED} (the person cancelled at the provider), {PROVIDER_ERROR}, "
    f"{PROVIDER_UNAVAILABLE}, {ID_TOKEN_INVALID} (the provider's answer did not hold), {EMAIL_IN_USE} (an account "
    "already has the provider's email address, on a sign-in: sign in to it, then linkProvider)."
)
START_ERRORS = (
    "BAD_USER_INPUT (an unknown provider, extensions.field provider; a redirectTo that is not an allowed page, "
    "extensions.field redirectTo), SERVICE_UNAVAILABLE (the provider cannot be reached), TOO_MANY_REQUESTS "
    "(extensions.retryAfter)"
)


def _callback_url(context: Context, provider: str) -> str:
    base = context.settings.public_url or str(context.request.base_url)
    return providers.callback_url(base, provider)


@strawberry.type
class ProviderQuery:
    @strawberry.field(
        description="The providers people can sign in with, in the order OIDC_PROVIDERS lists them; no token "
        "needed. Errors: INTERNAL_SERVER_ERROR only (nothing a caller can cause)."
    )
    def sign_in_providers(self, info: Info[Context, Any]) -> list[SignInProvider]:
        return [SignInProvider.from_settings(provider) for provider in info.context.settings.oidc_providers]

    @strawberry.field(
        permission_classes=Auth,
        description="How the caller's account can sign in: a password, linked providers. Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def sign_in_methods(self, info: Info[Context, Any]) -> SignInMethods:
        user = await info.context.require_user()
        linked = await provider_accounts.links(user)
        return SignInMethods(
            password=sign_in_methods.has_password(user),
            providers=[LinkedProvider.from_model(link) for link in linked],
            passkeys=await passkeys.count(user),
        )


@strawberry.type
class ProviderMutation:
    @strawberry.mutation(
        description="Begin signing in with a provider; no token needed. Answers the provider's authorization URL: "
        "keep its state parameter in this tab (sessionStorage: new URL(url).searchParams.get('state')), then send "
        "the browser there. The provider sends it back to /auth/callback/{provider}, which redirects it to "
        "redirectTo with a one-time code (give it, with the kept state, to finishProviderSignIn) or an error. "
        f"Good for PROVIDER_SIGN_IN_TTL (10 minutes), once. {CALLBACK_ERRORS} Errors: {START_ERRORS}.",
    )
    async def provider_sign_in_url(
        self, info: Info[Context, Any], provider: ProviderName, redirect_to: RedirectTo
    ) -> str:
        context = info.context
        return await providers.start(
            provider=provider,
            redirect_to=redirect_to,
            callback_url=_callback_url(context, provider),
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )

    @strawberry.mutation(
        description="Trade the one-time code the provider callback put on redirectTo, with the state this browser "
        "kept from providerSignInUrl, for the same payload as login; once, within PROVIDER_SIGN_IN_TTL. With "
        "two-factor sign-in on, it first answers UNAUTHENTICATED with extensions.reason OTP_REQUIRED: send the same "
        "code and state again with otp. An unknown, used or expired code, or one sent without the state of the "
        "flow that made it (a code from another browser: it is spent then), answers UNAUTHENTICATED with "
        f"extensions.reason {CODE_INVALID}. Errors: UNAUTHENTICATED (a refused code; "
        "a missing or wrong otp), FORBIDDEN (a suspended account), BAD_USER_INPUT (an otp that is no code), "
        "TOO_MANY_REQUESTS (extensions.retryAfter).",
    )
    async def finish_provider_sign_in(
        self, info: Info[Context, Any], code: ProviderCode, state: ProviderState, otp: Otp = None
    ) -> AuthPayload:
        context = info.context
        session = await providers.finish(
            code=code,
            state=state,
            otp=otp,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return signed_in_payload(session, context)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Begin linking a provider to the caller's account: answers the provider's authorization URL, "
        "as providerSignInUrl does (keep its state parameter in sessionStorage); the callback redirects to "
        "redirectTo with a one-time ?code= (or ?error=), and finishProviderLink, with the same token and the kept "
        "state, links it. Needs a token, and a session that signed in within RECENT_SIGN_IN_SECONDS or the "
        "password: else FORBIDDEN with extensions.reason RECENT_SIGN_IN_REQUIRED. "
        f"{CALLBACK_ERRORS} Errors: UNAUTHENTICATED, FORBIDDEN (no recent sign-in), {START_ERRORS}, BAD_USER_INPUT "
        "(a wrong password, extensions.field password).",
    )
    async def link_provider(
        self,
        info: Info[Context, Any],
        provider: ProviderName,
        redirect_to: RedirectTo,
        password: CurrentPassword = None,
    ) -> str:
        context = info.context
        return await providers.start(
            signed_in_at=await context.caller.signed_in_at(),
            password=password,
            provider=provider,
            redirect_to=redirect_to,
            callback_url=_callback_url(context, provider),
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
            link_user=await context.require_user(),
        )

    @strawberry.mutation(
        permission_classes=Auth,
        description="Finish a link that the caller began with linkProvider: the one-time code the callback put on "
        "redirectTo and the state this browser kept; answers the account's linked providers (as signInMethods). "
        "Once, within PROVIDER_SIGN_IN_TTL. A code that is unknown, used or expired, not from a link this account "
        "began, or sent without its state (it is spent then) answers UNAUTHENTICATED with extensions.reason "
        f"{CODE_INVALID}. An identity that is another account's, or a second one at this provider, answers "
        f"FORBIDDEN with extensions.reason {ALREADY_LINKED}. Needs a token. Errors: UNAUTHENTICATED (no token; a "
        "refused code), FORBIDDEN (already linked), TOO_MANY_REQUESTS (extensions.retryAfter).",
    )
    async def finish_provider_link(
        self, info: Info[Context, Any], code: ProviderCode, state: ProviderState
    ) -> list[LinkedProvider]:
        context = info.context
        user = await providers.finish_link(
            await context.require_user(),
            code=code,
            state=state,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return [LinkedProvider.from_model(link) for link in await provider_accounts.links(user)]

    @strawberry.mutation(
        permission_classes=Auth,
        description="Unlink a provider from the caller's account; refused with extensions.reason "
        f"{LAST_SIGN_IN_METHOD} when it is the account's only way to sign in (setPassword, add a passkey or link "
        "another first). Needs a token. Errors: UNAUTHENTICATED, NOT_FOUND (not linked to it, extensions.field "
        "provider), CONFLICT (the last way to sign in).",
    )
    async def unlink_provider(self, info: Info[Context, Any], provider: ProviderName) -> bool:
        context = info.context
        await provider_accounts.unlink(await context.require_user(), provider, client=context.client)
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="Give the caller's account a first password (one made by a provider has none), under the usual "
        "rules; sessions stay signed in. Needs a token of a session that signed in within RECENT_SIGN_IN_SECONDS: "
        "else FORBIDDEN with extensions.reason RECENT_SIGN_IN_REQUIRED (sign in again first). "
        "Errors: UNAUTHENTICATED, BAD_USER_INPUT (the password breaks a rule, extensions.field newPassword), "
        "CONFLICT (the account has a password: change it with updateUser), FORBIDDEN (no recent sign-in).",
    )
    async def set_password(self, info: Info[Context, Any], new_password: NewPassword) -> bool:
        context = info.context
        await provider_accounts.set_first_password(
            await context.require_user(),
            new_password,
            settings=context.settings,
            client=context.client,
            signed_in_at=await context.caller.signed_in_at(),
        )
        return True
