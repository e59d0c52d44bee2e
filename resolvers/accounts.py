"""Accounts: read users, register, update and delete."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth, Changes, Register, TargetName
from resolvers.authentication import signed_in_payload
from schema.context import Context
from schema.inputs import UpdateUserInput
from schema.types import AuthPayload, DeleteUserPayload, User
from services.accounts import deletion, profile, registration
from services.people import lookup

DeletePassword = Annotated[
    str | None,
    strawberry.argument(
        description="The caller's current password (an admin's own). Needed unless the caller's session signed in "
        "within RECENT_SIGN_IN_SECONDS (10 minutes by default); a refresh does not count as signing in."
    ),
]
EMAIL_CHANGE = (
    "Changing the email needs a session that signed in with its password within RECENT_SIGN_IN_SECONDS (10 "
    "minutes by default; a refresh does not count) or the caller's current password as providedOldPassword (an "
    "admin's own); otherwise the answer is FORBIDDEN with extensions.reason RECENT_SIGN_IN_REQUIRED and "
    "extensions.field providedOldPassword: ask for the password and send the change again with it. The old "
    "address gets a notice with a link that undoes the change (undoEmailChange)."
)
RECENT_SIGN_IN = "FORBIDDEN (no recent sign-in and no password: see above)"
EVERY_FIELD = (
    " Every field at fault is its own error with its extensions.field, in UpdateUserInput's field order: all "
    "that break a rule (the password fields' rules included), or else all that are taken; the old password is "
    "checked only once every field passes."
)


def _password(value: str | None) -> str | None:
    return None if value is strawberry.UNSET else value


async def _update(info: Info[Context, Any], user_name: str | None, input: UpdateUserInput) -> User:
    user = await profile.update_user(
        actor=await info.context.require_user(),
        user_name=user_name,
        changes=input.given(),
        old_password=_password(input.provided_old_password),
        new_password=_password(input.provided_new_password),
        signed_in_at=await info.context.caller.signed_in_at(),
        settings=info.context.settings,
        throttle=info.context.throttle,
        client=info.context.client,
    )
    return User.from_model(user)


@strawberry.type
class AccountQuery:
    @strawberry.field(
        permission_classes=Auth,
        description="The signed-in user, email and phoneNumber included. Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def me(self, info: Info[Context, Any]) -> User:
        return User.from_model(await info.context.require_user())

    @strawberry.field(
        permission_classes=Auth,
        description="A user by name (case-insensitive), or null if there is none, it blocks the caller, or it is "
        "deactivated or suspended (admins still see those). "
        "Needs a token; any signed-in user may read any profile, but the private fields (email, emailVerified, "
        "phoneNumber, isAdmin, twoFactorEnabled, profile.pushNotifications) read null, never an error, unless it is "
        "the caller's own or the caller is an admin. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token); BAD_USER_INPUT (a name no one "
        "could hold).",
    )
    async def user(self, info: Info[Context, Any], user_name: TargetName) -> User | None:
        viewer = await info.context.require_user()
        # Null also for users who block the caller, and for hidden accounts unless the caller is an admin.
        found = await lookup.visible_by_name(user_name, viewer_id=viewer.id, admin=viewer.is_admin)
        return None if found is None else User.from_model(found)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Create an account with a default profile and sign it in; no token needed. "
        "Errors: BAD_USER_INPUT (a field breaks a rule, or the password is too common or too like the user name "
        "or email; extensions.field names it), CONFLICT (userName, email or phoneNumber is taken; "
        "extensions.field names it). Every field at fault is its own error, in RegisterInput's field order: all "
        "that break a rule, or else all that are taken. TOO_MANY_REQUESTS (too many registrations from this address; "
        "extensions.retryAfter says how many seconds to wait).",
    )
    async def register(self, info: Info[Context, Any], input: Register) -> AuthPayload:
        session = await registration.register(
            user_name=input.user_name,
            password=input.password,
            email=input.email,
            first_name=input.first_name,
            last_name=input.last_name,
            phone_number=input.phone_number,
            settings=info.context.settings,
            throttle=info.context.throttle,
            client=info.context.client,
        )
        return signed_in_payload(session, info.context)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Update the named user (PUT /api/users/{userName}); only the user itself or an admin may. "
        "Needs a token. A password change revokes every earlier token. " + EMAIL_CHANGE + " Errors, checked in "
        "this order: UNAUTHENTICATED (no, malformed, expired or revoked token), NOT_FOUND (no such user, or one "
        "hidden from the caller: it blocks the caller, or is deactivated or suspended), FORBIDDEN "
        "(another user's account, or verified sent by a non-admin), BAD_USER_INPUT (a field breaks a rule, or "
        "the old password is wrong), "
        + RECENT_SIGN_IN
        + ", CONFLICT (userName, email or phoneNumber is taken, or a racing request "
        "renamed the user), TOO_MANY_REQUESTS "
        "(too many CONFLICT answers for this account or address, or too many wrong passwords; "
        "extensions.retryAfter says how many seconds to wait)." + EVERY_FIELD,
    )
    async def update_user(self, info: Info[Context, Any], user_name: TargetName, input: Changes) -> User:
        return await _update(info, user_name, input)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Update the signed-in user (PUT /user/profile). Needs a token. A password change revokes "
        "every earlier token. " + EMAIL_CHANGE + " Errors: UNAUTHENTICATED (no, malformed, expired or revoked "
        "token), FORBIDDEN (verified sent), BAD_USER_INPUT (a field breaks a rule, or the old password is wrong), "
        + RECENT_SIGN_IN
        + ", CONFLICT (userName, email or phoneNumber is taken, or a racing request renamed the user), "
        "TOO_MANY_REQUESTS (too many CONFLICT answers for this account or address, or too many wrong passwords; "
        "extensions.retryAfter says how many seconds to wait)." + EVERY_FIELD,
    )
    async def update_profile(self, info: Info[Context, Any], input: Changes) -> User:
        return await _update(info, None, input)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Delete the named user and its data for good; only the user itself or an admin may. Needs a "
        "token, and a session that signed in with its password within RECENT_SIGN_IN_SECONDS (10 minutes by "
        "default; a refresh does not count) or the caller's password (an admin's own) as password; otherwise the "
        "answer is FORBIDDEN with extensions.reason RECENT_SIGN_IN_REQUIRED and extensions.field password: ask for "
        "the password and send it. The account's tokens stop working. Errors, checked in this order: "
        "UNAUTHENTICATED (no, malformed, expired or revoked token), NOT_FOUND (no such user, or one hidden from the "
        "caller: it blocks the caller, or is deactivated or suspended), FORBIDDEN (another user's account), "
        + RECENT_SIGN_IN
        + ", BAD_USER_INPUT (wrong password; extensions.field is password), "
        "TOO_MANY_REQUESTS (too many wrong passwords, counted as failed logins; extensions.retryAfter).",
    )
    async def delete_user(
        self, info: Info[Context, Any], user_name: TargetName, password: DeletePassword = None
    ) -> DeleteUserPayload:
        context = info.context
        user = await deletion.delete_user(
            actor=await context.require_user(),
            user_name=user_name,
            password=password,
            signed_in_at=await context.caller.signed_in_at(),
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return DeleteUserPayload(user_id=strawberry.ID(str(user.id)), user_name=user.user_name)
