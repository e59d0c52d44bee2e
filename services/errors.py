"""Domain exceptions. The GraphQL edge turns each into an error with ``extensions.code``."""

from __future__ import annotations

from typing import ClassVar


class AccountError(Exception):
    """A failure the caller can act on; ``field`` names the API input field at fault."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def extensions(self) -> dict[str, object]:
        extensions: dict[str, object] = {"code": self.code}
        if self.field is not None:
            extensions["field"] = self.field
        return extensions


class InvalidInput(AccountError):
    code = "BAD_USER_INPUT"


class Conflict(AccountError):
    code = "CONFLICT"


class NotFound(AccountError):
    code = "NOT_FOUND"


class Forbidden(AccountError):
    code = "FORBIDDEN"


class Unauthenticated(AccountError):
    code = "UNAUTHENTICATED"


class AccountSuspended(Forbidden):
    """The right password, but an admin suspended the account: ``reason`` lets a front end say so."""

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": "ACCOUNT_SUSPENDED"}


class RecentSignInRequired(Forbidden):
    """A change a stolen token must not make (the email address, deleting the account), from a session that
    did not sign in recently and without the password: ``reason`` tells a front end to ask for it, and
    ``field`` names the input to send it in."""

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": "RECENT_SIGN_IN_REQUIRED"}


class TooManyRequests(AccountError):
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "retryAfter": self.retry_after}


class SecondFactorNeeded(Unauthenticated):
    """The password was right, but the account wants a code too: ``reason`` tells a front end which case."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": self.reason}
