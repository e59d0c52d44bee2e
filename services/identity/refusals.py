"""Why a token is refused: ``extensions.reason`` beside the code UNAUTHENTICATED, and words that say what to do.

A client acts on the reason, never on the message:

- ``TOKEN_EXPIRED``: the access token is past its ``exp``. Refresh (``refreshToken``) and send the request
  again; the session is fine.
- ``TOKEN_REVOKED``: this one session was ended: signed out (``logout``), ended from another session
  (``revokeSession``), or its refresh token was used twice after the reuse grace (reuse detection, so a thief
  and the client both lose it). Sign in again.
- ``SESSION_ENDED``: the session ended with the account's others, or by its own clock: ``logoutAll``, a
  password change or reset, an email change undone, a second factor turned on or off, the account deactivated,
  suspended or deleted; or the session reached ``SESSION_MAX_AGE``, or went unrefreshed ``REFRESH_TOKEN_TTL``.
  Sign in again (a front end may say the account's security changed).
- ``TOKEN_INVALID``: not a token this service issued for this use: malformed, a bad signature, another
  algorithm, issuer or audience, a refresh token sent as an access token (or the reverse), an unknown refresh
  token, a token in the URL or a malformed ``Authorization`` header. Sign in again.

A message never repeats the token. A request without any token is UNAUTHENTICATED with no reason.
"""

from __future__ import annotations

from services.errors import Unauthenticated

# Reasons, not secrets (S105).
TOKEN_EXPIRED = "TOKEN_EXPIRED"  # noqa: S105
TOKEN_REVOKED = "TOKEN_REVOKED"  # noqa: S105
TOKEN_INVALID = "TOKEN_INVALID"  # noqa: S105
SESSION_ENDED = "SESSION_ENDED"
REASONS = (TOKEN_EXPIRED, TOKEN_REVOKED, TOKEN_INVALID, SESSION_ENDED)

# Access tokens (any request's Authorization header).
ACCESS_EXPIRED = "The access token has expired; get a new one with refreshToken and send the request again."
ACCESS_INVALID = "The access token is invalid; sign in again."
ACCESS_REVOKED = "The access token's session was signed out or revoked; sign in again."
# Refresh tokens (refreshToken, logout).
REFRESH_INVALID = "The refresh token is not one this service issued; sign in again."
REFRESH_REVOKED = "The refresh token's session was signed out or revoked; sign in again."
REFRESH_REUSED = "This refresh token was already used; the session is revoked. Sign in again."
REFRESH_EXPIRED = "The session has ended: its refresh token was not used in time; sign in again."
# Either.
ENDED = (
    "The session has ended (signed out everywhere, a password or security change, the account closed, or its "
    "maximum age reached); sign in again."
)

_MESSAGES = {TOKEN_REVOKED: (ACCESS_REVOKED, REFRESH_REVOKED), SESSION_ENDED: (ENDED, ENDED)}


class TokenRefused(Unauthenticated):
    """A token refused, with the reason a client acts on (``extensions.reason``, one of ``REASONS``)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": self.reason}


def expired() -> TokenRefused:
    return TokenRefused(ACCESS_EXPIRED, reason=TOKEN_EXPIRED)


def invalid(message: str = ACCESS_INVALID) -> TokenRefused:
    return TokenRefused(message, reason=TOKEN_INVALID)


def ended(reason: str | None, *, refresh: bool) -> TokenRefused:
    """A token of a session that is no more, for the ``reason`` its revocation recorded (None: not recorded,
    as for sessions revoked before the reason was: TOKEN_REVOKED)."""
    reason = reason if reason in _MESSAGES else TOKEN_REVOKED
    access, refresh_message = _MESSAGES[reason]
    return TokenRefused(refresh_message if refresh else access, reason=reason)
