"""Two-factor sign-in: set up, confirm, turn off, new recovery codes."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.two_factor import TwoFactorSetup
from services.identity import two_factor

Password = Annotated[str, strawberry.argument(description="The account's current password.")]
Code = Annotated[
    str,
    strawberry.argument(description="A current 6-digit code from the authenticator app, or an unused recovery code."),
]
NewCode = Annotated[
    str, strawberry.argument(description="The current 6-digit code the authenticator app shows for the new secret.")
]
CODE_ERRORS = (
    "UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (the password or the code is wrong, "
    "each counted as a failed login, or the code is not a code at all; extensions.field names it), CONFLICT "
    "(two-factor sign-in is off), "
    "TOO_MANY_REQUESTS (too many failed logins; extensions.retryAfter)."
)


@strawberry.type
class TwoFactorMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Start setting up two-factor sign-in: a new secret for an authenticator app, shown once. "
        "Needs a token; nothing is enforced until confirmTwoFactor. Calling it again replaces an unconfirmed "
        "secret. Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (wrong "
        "password; counts as a failed login), CONFLICT (two-factor sign-in is already on), FORBIDDEN (the server "
        "has no key to encrypt secrets with), TOO_MANY_REQUESTS (too many failed logins; extensions.retryAfter).",
    )
    async def begin_two_factor_setup(self, info: Info[Context, Any], password: Password) -> TwoFactorSetup:
        context = info.context
        setup = await two_factor.begin_setup(
            user=await context.require_user(),
            password=password,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return TwoFactorSetup(secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_code_svg=setup.qr_code_svg)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Turn two-factor sign-in on with a current code of the secret from beginTwoFactorSetup. "
        "Returns 10 recovery codes, shown once; each works once in place of a code. From now on login needs "
        "otp. Every other session ends at once; the caller's stays. Errors: UNAUTHENTICATED (no, "
        "malformed, expired or revoked token), BAD_USER_INPUT (the code is wrong; extensions.field: code; counts as a "
        "failed login), CONFLICT (already on, or no setup begun), TOO_MANY_REQUESTS (too many failed logins; "
        "extensions.retryAfter).",
    )
    async def confirm_two_factor(self, info: Info[Context, Any], code: NewCode) -> list[str]:
        context = info.context
        return await two_factor.confirm(
            user=await context.require_user(),
            code=code,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
            session_id=await context.caller.session_id(),
        )

    @strawberry.mutation(
        permission_classes=Auth,
        description="Turn two-factor sign-in off; the secret and the recovery codes are deleted. Every other "
        "session ends at once; the caller's stays. Needs a token. Always true. Errors: " + CODE_ERRORS,
    )
    async def disable_two_factor(self, info: Info[Context, Any], password: Password, code: Code) -> bool:
        context = info.context
        await two_factor.disable(
            user=await context.require_user(),
            password=password,
            code=code,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
            session_id=await context.caller.session_id(),
        )
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="Replace the recovery codes with 10 new ones, shown once; the old ones stop working. "
        "Needs a token. Errors: " + CODE_ERRORS,
    )
    async def regenerate_recovery_codes(self, info: Info[Context, Any], password: Password, code: Code) -> list[str]:
        context = info.context
        return await two_factor.regenerate_recovery_codes(
            user=await context.require_user(),
            password=password,
            code=code,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
            session_id=await context.caller.session_id(),
        )
