"""Browser sessions without tokens in JavaScript (``AUTH_COOKIES=true``): the refresh token in a cookie.

Every mutation that issues a refresh token (``login``, two-factor sign-in included, ``register``,
``refreshToken``) puts it in an ``HttpOnly; Secure; SameSite=Strict`` cookie scoped to ``AUTH_COOKIE_PATH``
(``/auth``) instead of the payload, which answers ``refreshToken: null``; the access token still comes in JSON,
for the front end to keep in memory. Two routes read the cookie:

- ``POST /auth/refresh`` spends it (rotation, as the ``refreshToken`` mutation), sets the next one and answers
  ``{"accessToken", "tokenType", "expiresIn"}``;
- ``POST /auth/logout`` ends its session and clears it (204).

The cookie never reaches ``/graphql`` (its path), so GraphQL keeps no ambient authority: a page that tricks
a browser into posting there sends no credential. The two routes are what a cookie authenticates, and they
refuse (403, ``FORBIDDEN`` with a ``reason``) a request without the ``X-Requested-With`` header (a header of
its own forces a CORS preflight, which only ``CORS_ORIGINS`` pass) or from an ``Origin`` that is neither in
``CORS_ORIGINS`` nor this server's own. Without ``AUTH_COOKIES`` the routes do not exist (404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schema.caller import Caller
from services.errors import AccountError, InvalidInput, TooManyRequests
from services.identity import sign_in
from services.throttle import Throttle
from settings import Settings
from web.request_state import request_state

REFRESH_PATH = "/auth/refresh"
LOGOUT_PATH = "/auth/logout"
CSRF_HEADER = "X-Requested-With"  # any value: its presence is what a cross-site form or image cannot send

NO_COOKIE = "No session cookie: sign in."
BAD_COOKIE = "The session cookie holds no refresh token: sign in."
CSRF_HEADER_MISSING = f"Send the {CSRF_HEADER} header (any value) with a request that the session cookie signs."
ORIGIN_NOT_ALLOWED = "This origin may not use the session cookie; list it in CORS_ORIGINS."
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "TOO_MANY_REQUESTS": 429}
NO_STORE = {"Cache-Control": "no-store"}  # the answers carry tokens


def set_refresh_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    """The refresh token in its cookie, living as long as the token (never past its session's end)."""
    response.set_cookie(
        settings.refresh_cookie_name,
        token,
        max_age=max_age,
        path=settings.auth_cookie_path,
        secure=settings.auth_cookie_secure,
        httponly=True,
        samesite=settings.auth_cookie_samesite,
    )


def clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.refresh_cookie_name,
        path=settings.auth_cookie_path,
        secure=settings.auth_cookie_secure,
        httponly=True,
        samesite=settings.auth_cookie_samesite,
    )


def keeper(response: Response, settings: Settings) -> Callable[[str, int], None] | None:
    """For /graphql's context: what puts each refresh token a mutation issues in the cookie of ``response``;
    None without AUTH_COOKIES (the token goes in the payload)."""
    if not settings.auth_cookies:
        return None
    return lambda token, max_age: set_refresh_cookie(response, settings, token, max_age)


def _error(status: int, message: str, extensions: dict[str, object], headers: dict[str, str] | None = None) -> Response:
    body = {"errors": [{"message": message, "extensions": extensions}]}
    return JSONResponse(body, status_code=status, headers=NO_STORE | (headers or {}))


def _origin_allowed(request: Request, settings: Settings) -> bool:
    """No Origin (no browser: browsers send one with every POST), one of CORS_ORIGINS, or this server's own
    (its host and port as the request names them: a front end served by the same origin). Never ``null``."""
    origin = request.headers.get("origin")
    if origin is None or origin in settings.cors_origins:
        return True
    host = request.headers.get("host", "").lower()
    return bool(host) and urlsplit(origin).netloc.lower() == host


def _refusal(request: Request, settings: Settings) -> Response | None:
    """The CSRF checks of a request the cookie signs: its own header, and an allowed Origin."""
    if not request.headers.get(CSRF_HEADER, "").strip():
        return _error(403, CSRF_HEADER_MISSING, {"code": "FORBIDDEN", "reason": "CSRF_HEADER_MISSING"})
    if not _origin_allowed(request, settings):
        return _error(403, ORIGIN_NOT_ALLOWED, {"code": "FORBIDDEN", "reason": "ORIGIN_NOT_ALLOWED"})
    return None


def _refused_refresh(exc: AccountError, settings: Settings) -> Response:
    """A refresh refused: its error as GraphQL would give it, with the HTTP status; a cookie that can never
    work again (anything but a throttle) is cleared."""
    if isinstance(exc, TooManyRequests):
        return _error(429, exc.message, exc.extensions(), {"Retry-After": str(exc.retry_after)})
    if isinstance(exc, InvalidInput):  # not a refresh token at all: nothing the client sent, its cookie
        response = _error(401, BAD_COOKIE, {"code": "UNAUTHENTICATED", "reason": "SESSION_ENDED"})
    else:
        response = _error(STATUS.get(exc.code, 400), exc.message, exc.extensions())
    clear_refresh_cookie(response, settings)
    return response


def _caller(request: Request) -> Caller:
    caller = request_state(request.scope).caller
    if caller is None:
        raise TypeError("The session routes need web.authentication.Authentication in front of them.")
    return caller


def routes(settings: Settings, throttle: Throttle) -> list[Route]:
    """``POST /auth/refresh`` and ``POST /auth/logout`` in cookie mode; none otherwise."""
    if not settings.auth_cookies:
        return []

    async def refresh(request: Request) -> Response:
        refused = _refusal(request, settings)
        if refused is not None:
            return refused
        token = request.cookies.get(settings.refresh_cookie_name)
        if not token:
            return _error(401, NO_COOKIE, {"code": "UNAUTHENTICATED", "reason": "SESSION_ENDED"})
        caller = _caller(request)
        try:
            session = await sign_in.refresh(
                refresh_token=token, settings=settings, throttle=throttle, client=caller.client
            )
        except AccountError as exc:
            return _refused_refresh(exc, settings)
        caller.signed_in(session.user.id)
        access = session.access_token
        response = JSONResponse(
            {"accessToken": access.token, "tokenType": "Bearer", "expiresIn": access.expires_in}, headers=NO_STORE
        )
        set_refresh_cookie(response, settings, session.refresh_token.token, session.refresh_token.expires_in)
        return response

    async def logout(request: Request) -> Response:
        refused = _refusal(request, settings)
        if refused is not None:
            return refused
        token = request.cookies.get(settings.refresh_cookie_name)
        caller = _caller(request)
        if token:
            with suppress(InvalidInput):  # no refresh token at all: no session to end, and the cookie goes
                await sign_in.logout(refresh_token=token, client=caller.client)
        response = Response(status_code=204, headers=NO_STORE)
        clear_refresh_cookie(response, settings)
        return response

    endpoints: list[tuple[str, Callable[[Request], Awaitable[Response]]]] = [
        (REFRESH_PATH, refresh),
        (LOGOUT_PATH, logout),
    ]
    return [Route(path, endpoint, methods=["POST"]) for path, endpoint in endpoints]
