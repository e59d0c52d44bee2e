"""Domain exceptions. The GraphQL edge turns each into an error with ``extensions.code``."""

from __future__ import annotations

from collections.abc import Sequence
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


class SeveralFields(AccountError):
    """Several fields of one input at fault, reported together: ``errors``, each naming its field, in the
    input's field order. A client sees one GraphQL error per field, each with its own ``extensions``
    (schema/errors.py); raise through :func:`raise_together`, which raises a single error as itself."""

    def __init__(self, errors: Sequence[AccountError]) -> None:
        super().__init__(" ".join(error.message for error in errors))
        self.errors = tuple(errors)


class InvalidFields(SeveralFields, InvalidInput):
    """Several fields break their rules (BAD_USER_INPUT each)."""


class TakenFields(SeveralFields, Conflict):
    """Several unique values are taken (CONFLICT each)."""


def raise_together(errors: Sequence[AccountError], *, order: Sequence[str] = ()) -> None:
    """Raise the errors of one input's fields, if any (see :func:`together`)."""
    if errors:
        raise together(errors, order=order)


def together(errors: Sequence[AccountError], *, order: Sequence[str] = ()) -> AccountError:
    """The error to raise for one input's field errors (at least one): one as itself, several as one
    SeveralFields (TakenFields if all are conflicts, else InvalidFields).

    They are sorted by ``order`` (the input's field names, in the order the API declares them); an error
    whose field is not in it keeps its place after those that are.
    """
    rank = {field: index for index, field in enumerate(order)}
    ordered = sorted(errors, key=lambda error: rank.get(error.field or "", len(rank)))
    if len(ordered) == 1:
        return ordered[0]
    if all(isinstance(error, Conflict) for error in ordered):
        return TakenFields(ordered)
    return InvalidFields(ordered)


class NotFound(AccountError):
    code = "NOT_FOUND"


class Unavailable(AccountError):
    """A service this server depends on (a sign-in provider) cannot be reached; try again later."""

    code = "SERVICE_UNAVAILABLE"


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
