"""Passwordless sign-in by email: requestSignInCode, signInWithCode, signInWithLink."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Otp
from resolvers.authentication import signed_in_payload
from schema.context import Context
from schema.types import AuthPayload
from services.identity import sign_in_codes
from services.identity.sign_in_codes import EXPIRED, MAX_ATTEMPTS, TOO_MANY_ATTEMPTS, USED, WRONG

CodeEmail = Annotated[str, strawberry.argument(description="The email address of the account.")]
MailedCode = Annotated[
    str, strawberry.argument(description="The 6-digit code from the sign-in mail (spaces and dashes are ignored).")
]
LinkToken = Annotated[
    str,
    strawberry.argument(description="The token of the sign-in mail's link (its token parameter, or the one in it)."),
]

REFUSALS = (
    f"A code or link that signs no one in answers UNAUTHENTICATED with extensions.reason {WRONG} (wrong code; "
    f"unknown link), {EXPIRED}, {USED} (used, or replaced by a newer request) or {TOO_MANY_ATTEMPTS} "
    f"({MAX_ATTEMPTS} wrong tries end a code and its link); each counts as a failed login. With two-factor sign-in "
    "on, the answer is first UNAUTHENTICATED with extensions.reason OTP_REQUIRED, as for login: send the same "
    "code or link again with otp (it stays unused until then). "
)
SIGN_IN_ERRORS = (
    "UNAUTHENTICATED (the reasons above; a missing or wrong otp), FORBIDDEN (a suspended account), "
    "TOO_MANY_REQUESTS (too many failed logins for this account or address; extensions.retryAfter)"
)


@strawberry.type
class SignInCodeMutation:
    @strawberry.mutation(
        description="Mail a 6-digit sign-in code and a link (to SIGN_IN_URL) to this address if an account has it; "
        "no token needed. Always true, whether or not the address is known, and as fast. Code and link work once, "
        "for SIGN_IN_CODE_TTL (10 minutes); a newer request ends them. Errors: BAD_USER_INPUT (not an email "
        "address), TOO_MANY_REQUESTS (too many codes asked for this address or from this client; "
        "extensions.retryAfter).",
    )
    async def request_sign_in_code(self, info: Info[Context, Any], email: CodeEmail) -> bool:
        context = info.context
        await sign_in_codes.request_sign_in_code(
            email=email, settings=context.settings, throttle=context.throttle, client=context.client
        )
        return True

    @strawberry.mutation(
        description="Sign in with the code from the mail requestSignInCode sent; no token needed. Answers as login "
        "does, and the address counts as verified. "
        + REFUSALS
        + f"Errors: {SIGN_IN_ERRORS}, BAD_USER_INPUT (not an email address, or no 6-digit code at all: "
        "extensions.field email or code; an otp that is no code).",
    )
    async def sign_in_with_code(
        self, info: Info[Context, Any], email: CodeEmail, code: MailedCode, otp: Otp = None
    ) -> AuthPayload:
        context = info.context
        session = await sign_in_codes.sign_in_with_code(
            email=email,
            code=code,
            otp=otp,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return signed_in_payload(session, context)

    @strawberry.mutation(
        description="Sign in with the token of the link in the mail requestSignInCode sent; no token needed. The "
        "link opens the front end's page (SIGN_IN_URL), which calls this: opening the link alone (a mail scanner) "
        "signs no one in. Answers as login does, and the address counts as verified. "
        + REFUSALS
        + f"Errors: {SIGN_IN_ERRORS}, BAD_USER_INPUT (an otp that is no code).",
    )
    async def sign_in_with_link(self, info: Info[Context, Any], token: LinkToken, otp: Otp = None) -> AuthPayload:
        context = info.context
        session = await sign_in_codes.sign_in_with_link(
            token=token, otp=otp, settings=context.settings, throttle=context.throttle, client=context.client
        )
        return signed_in_payload(session, context)
