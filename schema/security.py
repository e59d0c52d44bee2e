"""Output types of a person's own security view: their sessions and their security history."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from models import SecurityEvent as EventModel
from models import Session as SessionModel
from schema.pagination import PageInfo


@strawberry.type(description="A signed-in session of the caller: one per sign-in, until it is revoked or ends.")
class Session:
    id: strawberry.ID = strawberry.field(
        description="The session's id; revokeSession(id:) ends it. Stable: client caches key a Session by it."
    )
    created_at: datetime = strawberry.field(description="When the session began (the sign-in), UTC.")
    last_used_at: datetime = strawberry.field(description="The session's last sign-in or token refresh, UTC.")
    user_agent: str | None = strawberry.field(
        description="The User-Agent the client sent at sign-in (then at its last refresh), cut to 256 characters."
    )
    ip_address: str | None = strawberry.field(
        description="The client's address at the session's last use (X-Forwarded-For only from TRUSTED_PROXIES)."
    )
    current: bool = strawberry.field(description="Whether this is the session of the access token of this request.")
    sign_in_method: str = strawberry.field(
        description='How the session signed in: "password" or "passkey" (more methods add their own names).'
    )

    @classmethod
    def from_model(cls, session: SessionModel, *, current_id: str | None) -> Session:
        return cls(
            id=strawberry.ID(session.id),
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            user_agent=session.user_agent,
            ip_address=session.ip_address,
            current=session.id == current_id,
            sign_in_method=session.method,
        )


@strawberry.enum(description="What happened to the account.")
class SecurityEventKind(Enum):
    LOGIN = strawberry.enum_value("LOGIN", description="A sign-in with the right password.")
    LOGIN_FAILED = strawberry.enum_value(
        "LOGIN_FAILED",
        description="A wrong password or two-factor code, or a refused passkey: at sign-in, or confirming a "
        "sensitive change.",
    )
    LOGOUT = strawberry.enum_value("LOGOUT", description="A logout, or a logoutAll (every session).")
    PASSWORD_CHANGED = strawberry.enum_value("PASSWORD_CHANGED", description="The password was changed.")
    EMAIL_CHANGED = strawberry.enum_value("EMAIL_CHANGED", description="The email address was changed.")
    EMAIL_CHANGE_UNDONE = strawberry.enum_value(
        "EMAIL_CHANGE_UNDONE",
        description="An email change was undone with the link mailed to the old address (every session ended).",
    )
    SESSION_REVOKED = strawberry.enum_value("SESSION_REVOKED", description="A session was ended by revokeSession.")
    ACCOUNT_DEACTIVATED = strawberry.enum_value(
        "ACCOUNT_DEACTIVATED", description="The account was deactivated (deactivateAccount)."
    )
    ACCOUNT_RESTORED = strawberry.enum_value(
        "ACCOUNT_RESTORED", description="A deactivated account was restored by signing in."
    )
    EMAIL_VERIFIED = strawberry.enum_value(
        "EMAIL_VERIFIED", description="The email address was verified with the mailed link."
    )
    PASSWORD_RESET_REQUESTED = strawberry.enum_value(
        "PASSWORD_RESET_REQUESTED", description="A password reset link was mailed to the account's address."
    )
    REFRESH_TOKEN_REUSED = strawberry.enum_value(
        "REFRESH_TOKEN_REUSED",
        description="A refresh token was used a second time: its session was ended, as it may have been stolen.",
    )
    RECENT_SIGN_IN_REQUIRED = strawberry.enum_value(
        "RECENT_SIGN_IN_REQUIRED",
        description="A change that needs a recent sign-in or the password was refused without either.",
    )
    TWO_FACTOR_ENABLED = strawberry.enum_value(
        "TWO_FACTOR_ENABLED", description="Two-factor sign-in was turned on (confirmTwoFactor)."
    )
    TWO_FACTOR_DISABLED = strawberry.enum_value(
        "TWO_FACTOR_DISABLED",
        description="Two-factor sign-in was turned off (disableTwoFactor, or by the operator's disable-2fa command).",
    )
    RECOVERY_CODE_USED = strawberry.enum_value(
        "RECOVERY_CODE_USED", description="A two-factor recovery code was used (every other session ended)."
    )
    RECOVERY_CODES_REGENERATED = strawberry.enum_value(
        "RECOVERY_CODES_REGENERATED", description="New recovery codes were made; the earlier ones stopped working."
    )
    ACCOUNT_SUSPENDED = strawberry.enum_value("ACCOUNT_SUSPENDED", description="An admin suspended the account.")
    ACCOUNT_UNSUSPENDED = strawberry.enum_value(
        "ACCOUNT_UNSUSPENDED", description="An admin lifted the account's suspension."
    )
    SIGN_IN_CODE_REQUESTED = strawberry.enum_value(
        "SIGN_IN_CODE_REQUESTED", description="A sign-in code and link were mailed to the account's address."
    )
    SIGN_IN_WITH_CODE = strawberry.enum_value(
        "SIGN_IN_WITH_CODE", description="A sign-in with a mailed code (signInWithCode)."
    )
    SIGN_IN_WITH_LINK = strawberry.enum_value(
        "SIGN_IN_WITH_LINK", description="A sign-in with the link of a sign-in code mail (signInWithLink)."
    )
    SIGN_IN_CODE_FAILED = strawberry.enum_value(
        "SIGN_IN_CODE_FAILED",
        description="A mailed sign-in code or link was refused: wrong, expired, already used, or out of tries.",
    )
    PASSKEY_SIGN_IN = strawberry.enum_value("PASSKEY_SIGN_IN", description="A sign-in with a passkey.")
    PASSKEY_ADDED = strawberry.enum_value(
        "PASSKEY_ADDED", description="A passkey was added to the account (finishPasskeyRegistration)."
    )
    PASSKEY_REMOVED = strawberry.enum_value("PASSKEY_REMOVED", description="A passkey was deleted (deletePasskey).")
    PASSKEY_CLONE_SUSPECTED = strawberry.enum_value(
        "PASSKEY_CLONE_SUSPECTED",
        description="A passkey's signature counter went backwards, as a copied authenticator's would: the "
        "sign-in was refused.",
    )
    SIGN_IN_WITH_PROVIDER = strawberry.enum_value(
        "SIGN_IN_WITH_PROVIDER", description="A sign-in through a provider (finishProviderSignIn)."
    )
    PROVIDER_SIGN_IN_FAILED = strawberry.enum_value(
        "PROVIDER_SIGN_IN_FAILED",
        description="Linking a provider was refused or cancelled (its identity is another account's, or the "
        "provider's answer did not hold).",
    )
    PROVIDER_LINKED = strawberry.enum_value(
        "PROVIDER_LINKED",
        description="A sign-in provider was linked to the account (linkProvider, finishProviderLink).",
    )
    PROVIDER_UNLINKED = strawberry.enum_value(
        "PROVIDER_UNLINKED", description="A sign-in provider was unlinked from the account (unlinkProvider)."
    )
    PASSWORD_SET = strawberry.enum_value(
        "PASSWORD_SET", description="A first password was set for an account that had none (setPassword)."
    )


@strawberry.type(description="One entry of the caller's security history.")
class SecurityEvent:
    kind: SecurityEventKind = strawberry.field(description="What happened.")
    at: datetime = strawberry.field(description="When it happened, UTC.")
    ip_address: str | None = strawberry.field(description="The client's address (X-Forwarded-For as for sessions).")
    user_agent: str | None = strawberry.field(description="The client's User-Agent, cut to 256 characters.")

    @classmethod
    def from_model(cls, event: EventModel) -> SecurityEvent:
        return cls(
            kind=SecurityEventKind[event.kind],
            at=event.at,
            ip_address=event.ip_address,
            user_agent=event.user_agent,
        )


@strawberry.type(description="A security event and its place in the list.")
class SecurityEventEdge:
    cursor: str = strawberry.field(description="Pass as securityEvents(after:) to continue after this event.")
    node: SecurityEvent = strawberry.field(description="The event.")


@strawberry.type(description="A page of the caller's security events, newest first.")
class SecurityEventConnection:
    edges: list[SecurityEventEdge] = strawberry.field(description="The events of this page, newest first.")
    page_info: PageInfo = strawberry.field(description="Where this page sits, for fetching the next one.")
