"""Email verification and password reset: requestEmailVerification, verifyEmail, requestPasswordReset,
resetPassword."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.types import User
from services.accounts import email_verification, password_reset

MailedToken = Annotated[
    str, strawberry.argument(description="The token from the mail (the link's token parameter, or the code in it).")
]
ResetEmail = Annotated[str, strawberry.argument(description="The email address of the account.")]
NewPassword = Annotated[
    str,
    strawberry.argument(description="8 to 128 characters, not a common password, not the user name or email."),
]
UNUSABLE = "BAD_USER_INPUT with extensions.field token (unknown, used or expired token: one error for all)"


@strawberry.type
class RecoveryMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Mail a verification link and code to the caller's email address. Needs a token. "
        "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), BAD_USER_INPUT (the account has no "
        "email), TOO_MANY_REQUESTS (too many mails asked for this address or from this client; "
        "extensions.retryAfter).",
    )
    async def request_email_verification(self, info: Info[Context, Any]) -> bool:
        context = info.context
        await email_verification.request_email_verification(
            user=await context.require_user(),
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return True

    @strawberry.mutation(
        description="Mark an email address verified with the token mailed to it; no access token needed. A token "
        "works once, expires (VERIFY_EMAIL_TTL), and only while the account still has that address. The user is "
        "answered as the caller may see it (with no access token: no private field, no private list), but for "
        f"emailVerified, which the token proved. Errors: {UNUSABLE}.",
    )
    async def verify_email(self, info: Info[Context, Any], token: MailedToken) -> User:
        context = info.context
        user = await email_verification.verify_email(token=token, settings=context.settings, client=context.client)
        # The token proves the caller reads the mail of that address, not that it is the owner: whoever holds
        # it (a forwarded mail, a mail scanner) sees what its own session shows, and that the address is verified.
        return User.from_model(user, email_proven=True)

    @strawberry.mutation(
        description="Mail a password-reset link and code to this address if an account has it; no token needed. "
        "Always true, whether or not the address is known. Errors: BAD_USER_INPUT (not an email address), "
        "TOO_MANY_REQUESTS (too many requests for this address or from this client; extensions.retryAfter).",
    )
    async def request_password_reset(self, info: Info[Context, Any], email: ResetEmail) -> bool:
        context = info.context
        await password_reset.request_password_reset(
            email=email, settings=context.settings, throttle=context.throttle, client=context.client
        )
        return True

    @strawberry.mutation(
        description="Set a new password with the token from a reset mail; no access token needed. Every session "
        "and access token of the account ends, the email counts as verified, and a notice is mailed. The token "
        "works once, expires (RESET_PASSWORD_TTL), works only while the account still has the address it was "
        "mailed to, and dies when the password changes or a newer reset is asked "
        f"for. Errors: {UNUSABLE}; BAD_USER_INPUT with extensions.field newPassword (the password breaks a "
        "rule).",
    )
    async def reset_password(self, info: Info[Context, Any], token: MailedToken, new_password: NewPassword) -> bool:
        context = info.context
        await password_reset.reset_password(
            token=token,
            new_password=new_password,
            settings=context.settings,
            client=context.client,
        )
        return True
