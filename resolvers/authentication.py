"""Signing in and out: login, refreshToken, logout, logoutAll."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth, LoginName, LoginPassword, Otp, RefreshToken
from schema.context import Context
from schema.types import AuthPayload, User
from services.identity import sign_in


def signed_in_payload(session: sign_in.SignedIn, context: Context) -> AuthPayload:
    """The payload of every sign-in (register, login, a code, a passkey, a provider): the request's access-log
    line names the user it signed in, then the same payload as a refresh."""
    context.signed_in(session.user.id)
    return auth_payload(session, context)


def auth_payload(session: sign_in.SignedIn, context: Context) -> AuthPayload:
    """The payload of every mutation that issues a refresh token; in cookie mode the token goes in a cookie."""
    refresh = session.refresh_token
    return AuthPayload(
        access_token=session.access_token.token,
        token_type="Bearer",  # noqa: S106 - a token type, not a secret
        expires_in=session.access_token.expires_in,
        refresh_token=context.hand_out_refresh_token(refresh.token, refresh.expires_in),
        refresh_expires_in=refresh.expires_in,
        user=User.from_model(session.user, seen_by_owner=True),
    )


@strawberry.type
class AuthenticationMutation:
    @strawberry.mutation(
        description="Sign in with a user name (or email) and password, plus otp when the account has two-factor "
        "sign-in on; no token needed. With the right password, a missing otp answers UNAUTHENTICATED with "
        "extensions.reason OTP_REQUIRED, and a wrong or already used one UNAUTHENTICATED with extensions.reason "
        "OTP_INVALID (counted as a failed login). "
        "Errors: UNAUTHENTICATED (unknown user or wrong password: one message for both; a missing or wrong otp), "
        "BAD_USER_INPUT (a password over 128 characters; an otp that is not a code at all, extensions.field otp), "
        "TOO_MANY_REQUESTS (too many failed logins for this account "
        "or address; extensions.retryAfter says how many seconds to wait).",
    )
    async def login(
        self, info: Info[Context, Any], user_name: LoginName, password: LoginPassword, otp: Otp = None
    ) -> AuthPayload:
        context = info.context
        session = await sign_in.login(
            user_name=user_name,
            password=password,
            otp=otp,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return signed_in_payload(session, context)

    @strawberry.mutation(
        description="Trade a refresh token for a new access token and a new refresh token (rotation); no access "
        "token needed. A refresh token works once: presenting it again revokes the whole session, except within "
        "REFRESH_REUSE_GRACE_SECONDS (10 by default) of its first use, when it answers the same new refresh token "
        "again (two tabs refreshing at once). A session ends SESSION_MAX_AGE after sign-in (90 days by default); "
        "then sign in again. A refused token says why in extensions.reason: TOKEN_INVALID (not a refresh token "
        "of this service), TOKEN_REVOKED (its session was signed out or revoked, or the token was used again after "
        "the grace), SESSION_ENDED (signed out everywhere, a password or security change, the account closed, or "
        "the session or its token past its lifetime); each means: sign in again. "
        "Errors: UNAUTHENTICATED (a refused refresh token, with extensions.reason), TOO_MANY_REQUESTS (too many "
        "refreshes from this address; extensions.retryAfter).",
    )
    async def refresh_token(self, info: Info[Context, Any], refresh_token: RefreshToken) -> AuthPayload:
        context = info.context
        session = await sign_in.refresh(
            refresh_token=refresh_token,
            settings=context.settings,
            throttle=context.throttle,
            client=context.client,
        )
        return auth_payload(session, context)

    @strawberry.mutation(
        description="End the session this refresh token belongs to, its access tokens included (refused from "
        "the next request on, with extensions.reason TOKEN_REVOKED); no access token needed. Always true, also "
        "for an unknown token or an ended session; text that cannot be a refresh token (empty or too long) is "
        "refused with extensions.reason TOKEN_INVALID. "
        "Errors: UNAUTHENTICATED (text that is no refresh token).",
    )
    async def logout(self, info: Info[Context, Any], refresh_token: RefreshToken) -> bool:
        context = info.context
        await sign_in.logout(refresh_token=refresh_token, client=context.client)
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="End every session of the caller and revoke every access token, this one included. "
        "Needs a token. Errors: UNAUTHENTICATED (no, malformed, expired or revoked token).",
    )
    async def logout_all(self, info: Info[Context, Any]) -> bool:
        context = info.context
        await sign_in.logout_all(user=await context.require_user(), client=context.client)
        return True
