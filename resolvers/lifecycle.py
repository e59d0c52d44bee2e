"""An account's life: deactivateAccount (restored by signing in), suspendUser and unsuspendUser (admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth, TargetName
from schema.context import Context
from schema.types import User
from services.accounts import lifecycle

Password = Annotated[str, strawberry.argument(description="The account's current password, asked again.")]
Reason = Annotated[
    str,
    strawberry.argument(
        description="Why, in at most 500 characters: for admins (the security log), never shown to the user."
    ),
]


@strawberry.type
class LifecycleMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Deactivate the caller's account (soft delete): accountDeleted turns true, every session ends "
        "(this token included), and the account is hidden from everyone (user(userName:) null, absent from users, "
        "followers and following lists; its follows leave other people's counts). Signing in with the right "
        "password within ACCOUNT_RESTORE_DAYS (30 by default) restores it; after that it is deleted for good. The "
        "user name and email stay taken meanwhile. Needs a token. Errors: UNAUTHENTICATED (no, malformed, "
        "expired or revoked token), BAD_USER_INPUT (wrong password; extensions.field is password), TOO_MANY_REQUESTS "
        "(too many wrong passwords, counted as failed logins; extensions.retryAfter).",
    )
    async def deactivate_account(self, info: Info[Context, Any], password: Password) -> bool:
        context = info.context
        await lifecycle.deactivate(
            user=await context.require_user(),
            password=password,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="Suspend a user (admins only): every session of it ends at once, login answers FORBIDDEN with "
        "extensions.reason ACCOUNT_SUSPENDED, and it is hidden from everyone but admins until unsuspendUser. "
        "Errors, checked in this order: UNAUTHENTICATED (no, malformed, expired or revoked token), FORBIDDEN (not "
        "an admin), NOT_FOUND (no such user), BAD_USER_INPUT (an empty or over-long reason; your own name).",
    )
    async def suspend_user(self, info: Info[Context, Any], user_name: TargetName, reason: Reason) -> User:
        context = info.context
        user = await lifecycle.suspend(
            actor=await context.require_user(), user_name=user_name, reason=reason, client=context.client
        )
        return User.from_model(user)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Lift a suspension (admins only): the user can sign in again and is shown again (unless it "
        "deactivated its account itself). A user who is not suspended is returned as is. Errors, checked in this "
        "order: UNAUTHENTICATED (no, malformed, expired or revoked token), FORBIDDEN (not an admin), NOT_FOUND "
        "(no such user).",
    )
    async def unsuspend_user(self, info: Info[Context, Any], user_name: TargetName) -> User:
        context = info.context
        user = await lifecycle.unsuspend(actor=await context.require_user(), user_name=user_name, client=context.client)
        return User.from_model(user)
