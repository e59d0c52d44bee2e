"""AUTH_COOKIES and its cookie's settings: the defaults, and what start-up refuses (a cookie no browser
would keep, or one any origin could use)."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings, SettingsError

SECRET_48 = "s" * 48


def read(tmp_path: Path, **environ: str) -> Settings:
    return Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, **environ})


def test_cookie_mode_is_off_by_default_and_its_cookie_is_locked_down(tmp_path: Path) -> None:
    settings = read(tmp_path)

    assert settings.auth_cookies is False
    assert settings.refresh_cookie_name == "__Secure-refresh_token"
    assert (settings.auth_cookie_path, settings.auth_cookie_samesite, settings.auth_cookie_secure) == (
        "/auth",
        "strict",
        True,
    )


def test_the_cookie_settings_are_read_and_normalised(tmp_path: Path) -> None:
    settings = read(
        tmp_path,
        AUTH_COOKIES="true",
        CORS_ORIGINS="http://localhost:5173",
        AUTH_COOKIE_NAME="sid",
        AUTH_COOKIE_PATH="/api/auth/",
        AUTH_COOKIE_SAMESITE=" Lax ",
    )

    assert settings.auth_cookies is True
    assert settings.refresh_cookie_name == "sid"
    assert settings.auth_cookie_path == "/api/auth"
    assert settings.auth_cookie_samesite == "lax"


def test_without_secure_the_default_name_drops_its_prefix(tmp_path: Path) -> None:
    assert read(tmp_path, AUTH_COOKIE_SECURE="false").refresh_cookie_name == "refresh_token"


def test_cookie_mode_with_any_origin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AUTH_COOKIES=true needs CORS_ORIGINS"):
        read(tmp_path, AUTH_COOKIES="true", CORS_ORIGINS="https://app.example *")


def test_cookie_mode_without_cors_origins_serves_a_front_end_of_the_same_origin(tmp_path: Path) -> None:
    assert read(tmp_path, AUTH_COOKIES="true").cors_origins == ()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        pytest.param(
            {"AUTH_COOKIE_SAMESITE": "none", "AUTH_COOKIE_SECURE": "false"},
            "AUTH_COOKIE_SAMESITE=none needs AUTH_COOKIE_SECURE",
            id="samesite-none-insecure",
        ),
        pytest.param(
            {"AUTH_COOKIE_NAME": "__Secure-rt", "AUTH_COOKIE_SECURE": "false"},
            "a name starting with __Secure- needs AUTH_COOKIE_SECURE",
            id="secure-prefix-insecure",
        ),
        pytest.param(
            {"AUTH_COOKIES": "true", "AUTH_COOKIE_SECURE": "false", "APP_ENV": "production"},
            "AUTH_COOKIE_SECURE=false is for plain http in development",
            id="insecure-in-production",
        ),
        pytest.param({"AUTH_COOKIE_NAME": "__Host-rt"}, "AUTH_COOKIE_NAME: cannot start with __Host-", id="host"),
        pytest.param({"AUTH_COOKIE_NAME": "a;b"}, "AUTH_COOKIE_NAME: must be a cookie name", id="name"),
        pytest.param({"AUTH_COOKIE_PATH": "auth"}, "AUTH_COOKIE_PATH: must be a URL path", id="relative-path"),
        pytest.param({"AUTH_COOKIE_PATH": "/auth; Domain=x"}, "AUTH_COOKIE_PATH: must be a URL path", id="injected"),
        pytest.param({"AUTH_COOKIE_SAMESITE": "sometimes"}, "AUTH_COOKIE_SAMESITE", id="samesite"),
    ],
)
def test_a_cookie_no_browser_would_keep_is_refused_by_name(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        read(tmp_path, SMTP_URL="smtp://mail.example", **environ)
