"""Query and Mutation for users."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.context import Context
from schema.inputs import RegisterInput, UpdateUserInput
from schema.permissions import IsAuthenticated
from schema.types import AuthPayload, DeleteUserPayload, User
from services import accounts

Auth: list[type[BasePermission]] = [IsAuthenticated]


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


@strawberry.type
class Query:
    @strawberry.field(permission_classes=Auth, description="The signed-in user. Needs a token.")
    async def me(self, info: Info[Context, Any]) -> User:
        return User.from_model(await info.context.require_user())

    @strawberry.field(
        permission_classes=Auth,
        description=(
            "A user by name (case-insensitive), or null if there is none; a name no one could hold is "
            "BAD_USER_INPUT. Needs a token."
        ),
    )
    async def user(self, info: Info[Context, Any], user_name: str) -> User | None:
        found = await accounts.find_user(user_name)
        return None if found is None else User.from_model(found)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an account with a default profile and sign it in.")
    async def register(self, info: Info[Context, Any], input: RegisterInput) -> AuthPayload:
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
        return _auth_payload(session)

    @strawberry.mutation(
        description="Sign in with a user name (or email) and password. Failures are UNAUTHENTICATED, "
        "the same for an unknown user and a wrong password."
    )
    async def login(self, info: Info[Context, Any], user_name: str, password: str) -> AuthPayload:
        context = info.context
        session = await accounts.login(
            user_name=user_name,
            password=password,
            settings=context.settings,
            throttle=context.throttle,
            address=context.address,
        )
        return _auth_payload(session)

    @strawberry.mutation(
        description="Trade a refresh token for a new access token and a new refresh token (rotation). "
        "A refresh token works once: presenting it again revokes the whole session (UNAUTHENTICATED)."
    )
    async def refresh_token(self, info: Info[Context, Any], refresh_token: str) -> AuthPayload:
        context = info.context
        session = await accounts.refresh(
            refresh_token=refresh_token, settings=context.settings, throttle=context.throttle, address=context.address
        )
        return _auth_payload(session)

    @strawberry.mutation(
        description="End the session this refresh token belongs to. Always true, also for an unknown token; "
        "access tokens already issued run out on their own (expiresIn)."
    )
    async def logout(self, refresh_token: str) -> bool:
        await accounts.logout(refresh_token=refresh_token)
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="End every session of the caller and revoke every access token, this one included.",
    )
    async def logout_all(self, info: Info[Context, Any]) -> bool:
        await accounts.logout_all(user=await info.context.require_user(), address=info.context.address)
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="Update the named user (PUT /api/users/{userName}); only the user itself or an admin may.",
    )
    async def update_user(self, info: Info[Context, Any], user_name: str, input: UpdateUserInput) -> User:
        return await _update(info, user_name, input)

    @strawberry.mutation(permission_classes=Auth, description="Update the signed-in user (PUT /user/profile).")
    async def update_profile(self, info: Info[Context, Any], input: UpdateUserInput) -> User:
        return await _update(info, None, input)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Delete the named user and all its data for good; only the user itself or an admin may.",
    )
    async def delete_user(self, info: Info[Context, Any], user_name: str) -> DeleteUserPayload:
        user = await accounts.delete_user(
            actor=await info.context.require_user(), user_name=user_name, address=info.context.address
        )
        return DeleteUserPayload(user_id=strawberry.ID(str(user.id)), user_name=user.user_name)
