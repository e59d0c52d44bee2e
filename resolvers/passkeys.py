"""Passkeys: register one, sign in with one, list, rename and delete them."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from resolvers.authentication import signed_in_payload
from schema.context import Context
from schema.passkeys import Passkey
from schema.types import AuthPayload
from services.identity import passkeys

Credential = Annotated[
    str,
    strawberry.argument(
        description="The credential the browser made, as JSON: JSON.stringify(credential.toJSON()) of the "
        "PublicKeyCredential navigator.credentials returned."
    ),
]
PasskeyName = Annotated[
    str | None,
    strawberry.argument(description='A name to tell it apart, at most 64 characters; "Passkey" when left out.'),
]
NewName = Annotated[str, strawberry.argument(description="The new name, at most 64 characters.")]
PasskeyId = Annotated[strawberry.ID, strawberry.argument(description="The id of one of the caller's passkeys.")]
SignInName = Annotated[
    str | None,
    strawberry.argument(
        description="Optional: the user name or email of the account to sign in to; a passkey of another account "
        "is then refused. Passkeys are discoverable, so the browser finds the account's passkey without it."
    ),
]
CEREMONY_REASONS = (
    "A refused ceremony's extensions.reason says which check failed: PASSKEY_ORIGIN_MISMATCH (the page's origin "
    "is not in WEBAUTHN_ORIGINS), PASSKEY_RP_ID_MISMATCH (made for another relying party ID), "
    "PASSKEY_SIGNATURE_INVALID, PASSKEY_USER_VERIFICATION_MISSING (no PIN or biometrics), "
    "PASSKEY_USER_PRESENCE_MISSING, PASSKEY_CHALLENGE_EXPIRED (begin again), PASSKEY_CHALLENGE_USED (unknown or "
    "replayed), PASSKEY_INVALID (malformed)"
)
OFF_REASON = "With passkeys off on the server the answer is FORBIDDEN with extensions.reason PASSKEYS_OFF."
OFF = "FORBIDDEN (passkeys are off on this server)"


@strawberry.type
class PasskeyQuery:
    @strawberry.field(
        permission_classes=Auth,
        description="The caller's passkeys, oldest first. Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def passkeys(self, info: Info[Context, Any]) -> list[Passkey]:
        user = await info.context.require_user()
        return [Passkey.from_model(passkey) for passkey in await passkeys.list_of(user=user)]


@strawberry.type
class PasskeyMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Start adding a passkey to the caller's account: the creation options, as the JSON string "
        "PublicKeyCredential.parseCreationOptionsFromJSON takes; pass the result to navigator.credentials.create "
        "and its toJSON() to finishPasskeyRegistration within 5 minutes. Needs a token of a session that signed in "
        "within RECENT_SIGN_IN_SECONDS (a passkey is a way in for good: a stolen token must not add one), else "
        "FORBIDDEN with extensions.reason RECENT_SIGN_IN_REQUIRED: sign in again. " + OFF_REASON + " Errors: "
        "UNAUTHENTICATED (no, malformed, expired or revoked token), FORBIDDEN (no recent sign-in, or passkeys are "
        "off on this server).",
    )
    async def begin_passkey_registration(self, info: Info[Context, Any]) -> str:
        context = info.context
        return await passkeys.begin_registration(
            user=await context.require_user(),
            settings=context.settings,
            signed_in_at=await context.caller.signed_in_at(),
            client=context.client,
        )

    @strawberry.mutation(
        permission_classes=Auth,
        description="Add the passkey the browser created to the caller's account; the owner is mailed a notice. "
        "Needs a token. " + CEREMONY_REASONS + "; a passkey registered already answers CONFLICT with reason "
        "PASSKEY_ALREADY_REGISTERED. " + OFF_REASON + " Errors: UNAUTHENTICATED (no, malformed, expired or revoked "
        "token), BAD_USER_INPUT (the credential is refused, extensions.field credential; or a name that is too "
        "long, extensions.field name), CONFLICT (the passkey is registered already), " + OFF + ".",
    )
    async def finish_passkey_registration(
        self, info: Info[Context, Any], credential: Credential, name: PasskeyName = None
    ) -> Passkey:
        context = info.context
        passkey = await passkeys.finish_registration(
            user=await context.require_user(),
            credential=credential,
            name=name,
            settings=context.settings,
            client=context.client,
        )
        return Passkey.from_model(passkey)

    @strawberry.mutation(
        description="Start signing in with a passkey; no token needed. The request options, as the JSON string "
        "PublicKeyCredential.parseRequestOptionsFromJSON takes; pass the result to navigator.credentials.get and "
        "its toJSON() to finishPasskeyLogin within 5 minutes. " + OFF_REASON + " Errors: BAD_USER_INPUT (userName "
        f"holds control characters), {OFF}.",
    )
    async def begin_passkey_login(self, info: Info[Context, Any], user_name: SignInName = None) -> str:
        return await passkeys.begin_login(user_name=user_name, settings=info.context.settings)

    @strawberry.mutation(
        description="Sign in with the passkey the browser chose: the same payload as login. A passkey sign-in "
        "needs no two-factor code (the passkey is something held, unlocked by PIN or biometrics); it counts in "
        "the login throttle. " + CEREMONY_REASONS + ", PASSKEY_UNKNOWN (not registered, or not the userName's), "
        "PASSKEY_SIGN_COUNT_REGRESSED (its counter did not go up, as a copied authenticator's: recorded as a "
        "security event). " + OFF_REASON + " Errors: UNAUTHENTICATED (the passkey is refused), BAD_USER_INPUT (not "
        "a credential's JSON, extensions.field credential), FORBIDDEN (the account is suspended, or passkeys are "
        "off), TOO_MANY_REQUESTS (too many failed sign-ins; extensions.retryAfter).",
    )
    async def finish_passkey_login(self, info: Info[Context, Any], credential: Credential) -> AuthPayload:
        context = info.context
        session = await passkeys.finish_login(
            credential=credential, settings=context.settings, throttle=context.throttle, client=context.client
        )
        return signed_in_payload(session, context)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Rename one of the caller's passkeys. Needs a token. Errors: UNAUTHENTICATED (no, malformed, "
        "expired or revoked token), BAD_USER_INPUT (not a passkey id, or a name that is too long; "
        "extensions.field names it), NOT_FOUND (no passkey of the caller has this id; extensions.field id).",
    )
    async def rename_passkey(self, info: Info[Context, Any], id: PasskeyId, name: NewName) -> Passkey:
        user = await info.context.require_user()
        return Passkey.from_model(await passkeys.rename(user=user, passkey_id=str(id), name=name))

    @strawberry.mutation(
        permission_classes=Auth,
        description="Delete one of the caller's passkeys; it no longer signs in, and the owner is mailed a notice. "
        "Needs a token. Always true. The only way to sign in to an account without a password (one made by a "
        "provider or a passkey) cannot be deleted: CONFLICT with reason LAST_SIGN_IN_METHOD. Errors: "
        "UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (not a passkey id; "
        "extensions.field id), NOT_FOUND (no passkey of the caller has this id), CONFLICT (the last way to sign in).",
    )
    async def delete_passkey(self, info: Info[Context, Any], id: PasskeyId) -> bool:
        context = info.context
        await passkeys.delete(user=await context.require_user(), passkey_id=str(id), client=context.client)
        return True
