"""Query and Mutation for users."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.context import Context
from schema.inputs import RegisterInput, UpdateUserInput
from schema.permissions import IsAuthenticated
from schema.types import AuthPayload, DeleteUserPayload, User
from services import accounts

Auth: list[type[BasePermission]] = [IsAuthenticated]

# Arguments, described once: GraphiQL's docs pane shows these next to every field that takes them.
TargetName = Annotated[
    str,
    strawberry.argument(description="The user's name, in any case (john_doe and John_Doe are one user)."),
]
LoginName = Annotated[
    str,
    strawberry.argument(description="The user name (any case) or the email address given at registration."),
]
LoginPassword = Annotated[str, strawberry.argument(description="The account's password, at most 72 bytes in UTF-8.")]
RefreshToken = Annotated[
    str, strawberry.argument(description="A refreshToken from register, login or an earlier refreshToken.")
]
Register = Annotated[RegisterInput, strawberry.argument(description="The new account's fields.")]
Changes = Annotated[
    UpdateUserInput,
    strawberry.argument(description="The fields to change; a field left out stays as it is, null clears it."),
]


def _auth_payload(session: accounts.Session) -> AuthPayload:
    return AuthPayload(
        access_token=session.access_token.token,
        token_type="Bearer",  # noqa: S106 - a token type, not a secret
        expires_in=session.access_token.expires_in,
        refresh_token=session.refresh_token.token,
        refresh_expires_in=session.refresh_token.expires_in,
        user=User.from_model(session.user, seen_by_owner=True),
    )


def _password(value: str | None) -> str | None:
    return None if value is strawberry.UNSET else value


async def _update(info: Info[Context, Any], user_name: str | None, input: UpdateUserInput) -> User:
    user = await accounts.update_user(
        actor=await info.context.require_user(),
        user_name=user_name,
        changes=input.given(),
        old_password=_password(input.provided_old_password),
        new_password=_password(input.provided_new_password),
        settings=info.context.settings,
        address=info.context.address,
    )
    return User.from_model(user)


@strawberry.type(
    description="Reading users. Every failure is an error with a stable extensions.code (see README, Errors); "
    "any operation may also fail with BAD_USER_INPUT for a malformed document or variable, and with "
    "INTERNAL_SERVER_ERROR when something unexpected breaks."
)
class Query:
    @strawberry.field(
        permission_classes=Auth,
        description="The signed-in user, email and phoneNumber included. Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def me(self, info: Info[Context, Any]) -> User:
        return User.from_model(await info.context.require_user())

    @strawberry.field(
        permission_classes=Auth,
        description="A user by name (case-insensitive), or null if there is none. Needs a token; any signed-in "
        "user may read any profile, but email and phoneNumber are null, and isAdmin is a FORBIDDEN error, unless "
        "it is the caller's own or the caller is an admin. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token); BAD_USER_INPUT (a name no one "
        "could hold).",
    )
    async def user(self, info: Info[Context, Any], user_name: TargetName) -> User | None:
        found = await accounts.find_user(user_name)
        return None if found is None else User.from_model(found)


@strawberry.type(
    description="Creating, signing in to, changing and deleting accounts. Every failure is an error with a "
    "stable extensions.code and, where one input field is at fault, extensions.field (see README, Errors); "
    "any operation may also fail with BAD_USER_INPUT for a malformed document or variable, and with "
    "INTERNAL_SERVER_ERROR when something unexpected breaks."
)
class Mutation:
    @strawberry.mutation(
        description="Create an account with a default profile and sign it in; no token needed. "
        "Errors: BAD_USER_INPUT (a field breaks a rule, or the password is too common or too like the user name "
        "or email; extensions.field names it), CONFLICT (userName, email or phoneNumber is taken; "
        "extensions.field names it), TOO_MANY_REQUESTS (too many registrations from this address; "
        "extensions.retryAfter says how many seconds to wait).",
    )
    async def register(self, info: Info[Context, Any], input: Register) -> AuthPayload:
        session = await accounts.register(
            user_name=input.user_name,
            password=input.password,
            email=input.email,
            first_name=input.first_name,
            last_name=input.last_name,
            phone_number=input.phone_number,
            settings=info.context.settings,
            throttle=info.context.throttle,
            address=info.context.address,
        )
        info.context.signed_in(session.user.id)
        return _auth_payload(session)

    @strawberry.mutation(
        description="Sign in with a user name (or email) and password; no token needed. "
        "Errors: UNAUTHENTICATED (unknown user or wrong password: one message for both), "
        "BAD_USER_INPUT (a password over 72 bytes), TOO_MANY_REQUESTS (too many failed logins for this account "
        "or address; extensions.retryAfter says how many seconds to wait).",
    )
    async def login(self, info: Info[Context, Any], user_name: LoginName, password: LoginPassword) -> AuthPayload:
        context = info.context
        session = await accounts.login(
            user_name=user_name,
            password=password,
            settings=context.settings,
            throttle=context.throttle,
            address=context.address,
        )
        context.signed_in(session.user.id)
        return _auth_payload(session)

    @strawberry.mutation(
        description="Trade a refresh token for a new access token and a new refresh token (rotation); no access "
        "token needed. A refresh token works once: presenting it again revokes the whole session. "
        "Errors: UNAUTHENTICATED (unknown, expired, used or revoked refresh token), BAD_USER_INPUT (not a "
        "refresh token at all), TOO_MANY_REQUESTS (too many refreshes from this address; extensions.retryAfter).",
    )
    async def refresh_token(self, info: Info[Context, Any], refresh_token: RefreshToken) -> AuthPayload:
        context = info.context
        session = await accounts.refresh(
            refresh_token=refresh_token, settings=context.settings, throttle=context.throttle, address=context.address
        )
        return _auth_payload(session)

    @strawberry.mutation(
        description="End the session this refresh token belongs to; no access token needed. Always true, also "
        "for an unknown token; access tokens already issued run out on their own (expiresIn). "
        "Errors: BAD_USER_INPUT (not a refresh token at all).",
    )
    async def logout(self, refresh_token: RefreshToken) -> bool:
        await accounts.logout(refresh_token=refresh_token)
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="End every session of the caller and revoke every access token, this one included. "
        "Needs a token. Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def logout_all(self, info: Info[Context, Any]) -> bool:
        await accounts.logout_all(user=await info.context.require_user(), address=info.context.address)
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="Update the named user (PUT /api/users/{userName}); only the user itself or an admin may. "
        "Needs a token. A password change revokes every earlier token. Errors, checked in this order: "
        "UNAUTHENTICATED (no, malformed, expired or revoked token), NOT_FOUND (no such user), FORBIDDEN "
        "(another user's account, or verified sent by a non-admin), BAD_USER_INPUT (a field breaks a rule, or "
        "the old password is wrong), CONFLICT (userName, email or phoneNumber is taken).",
    )
    async def update_user(self, info: Info[Context, Any], user_name: TargetName, input: Changes) -> User:
        return await _update(info, user_name, input)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Update the signed-in user (PUT /user/profile). Needs a token. A password change revokes "
        "every earlier token. Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), "
        "FORBIDDEN (verified sent), BAD_USER_INPUT (a field breaks a rule, or the old password is wrong), "
        "CONFLICT (userName, email or phoneNumber is taken).",
    )
    async def update_profile(self, info: Info[Context, Any], input: Changes) -> User:
        return await _update(info, None, input)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Delete the named user and its data for good; only the user itself or an admin may. Needs a "
        "token; the account's tokens stop working. Errors, checked in this order: UNAUTHENTICATED (no, "
        "malformed, expired or revoked token), NOT_FOUND (no such user), FORBIDDEN (another user's account).",
    )
    async def delete_user(self, info: Info[Context, Any], user_name: TargetName) -> DeleteUserPayload:
        user = await accounts.delete_user(
            actor=await info.context.require_user(), user_name=user_name, address=info.context.address
        )
        return DeleteUserPayload(user_id=strawberry.ID(str(user.id)), user_name=user.user_name)
