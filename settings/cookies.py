"""The refresh-token cookie of browser sessions."""

from __future__ import annotations

from pydantic import BaseModel, Field

from settings.fields import CookieName, CookiePath, SameSite

COOKIES_WITH_ANY_ORIGIN = (
    "AUTH_COOKIES=true needs CORS_ORIGINS to list the front end's origins: a browser sends no cookie to an API "
    "that allows any origin ('*'), and it must not."
)
SECURE_COOKIES_PREFIX = "AUTH_COOKIE_NAME: a name starting with __Secure- needs AUTH_COOKIE_SECURE=true."
SAMESITE_NONE_INSECURE = "AUTH_COOKIE_SAMESITE=none needs AUTH_COOKIE_SECURE=true (browsers refuse it otherwise)."
INSECURE_COOKIES_IN_PRODUCTION = (
    "AUTH_COOKIE_SECURE=false is for plain http in development; in production the refresh cookie must be Secure."
)


class CookieSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    auth_cookies: bool = Field(
        False,
        description="`true`: browser sessions without tokens in JavaScript: every refresh token goes in an HttpOnly "
        "cookie (the payloads' `refreshToken` reads null), and `POST /auth/refresh` and `POST /auth/logout` work "
        "from it; see Tokens",
    )
    auth_cookie_name: CookieName = Field(
        "",
        description="the refresh-token cookie's name",
        json_schema_extra={"shown": "__Secure-refresh_token (refresh_token when `AUTH_COOKIE_SECURE=false`)"},
    )
    auth_cookie_path: CookiePath = Field(
        "/auth",
        description="the cookie's Path: where the browser sees `/auth/refresh` and `/auth/logout` (e.g. `/api/auth` "
        "behind a proxy that serves this service under `/api`)",
    )
    auth_cookie_samesite: SameSite = Field(
        "strict",
        description="the cookie's SameSite: `strict`, `lax` or `none` (`none` only for a front end on another site, "
        "and it needs `AUTH_COOKIE_SECURE`)",
    )
    auth_cookie_secure: bool = Field(
        True,
        description="the cookie's Secure attribute; browsers accept it over https and from http://localhost or "
        "127.0.0.1. `false` only for plain http on another address in development (refused in production)",
    )

    @property
    def refresh_cookie_name(self) -> str:
        """AUTH_COOKIE_NAME, else ``__Secure-refresh_token``: browsers keep a ``__Secure-`` cookie only if it is
        Secure, so no plain-http page can plant one of that name."""
        if self.auth_cookie_name:
            return self.auth_cookie_name
        return "__Secure-refresh_token" if self.auth_cookie_secure else "refresh_token"
