"""Passkey settings (README, Passkeys): development works out of the box on localhost; production with passkeys
on refuses to start without an explicit relying party ID and origins, and leaves them off unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings, SettingsError

SECRET = "s" * 48
SMTP_URL = "smtp://127.0.0.1:25"


def production(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {"DATA_DIR": str(tmp_path), "APP_ENV": "production", "JWT_SECRET": SECRET, "SMTP_URL": SMTP_URL, **variables}


def test_development_uses_localhost_the_vite_server_and_its_own_origin(tmp_path: Path) -> None:
    settings = Settings.from_environ({"DATA_DIR": str(tmp_path), "PORT": "8123"})

    assert settings.passkeys_on
    assert settings.relying_party_id == "localhost"
    assert settings.relying_party_origins == ("http://localhost:5173", "http://localhost:8123")


def test_explicit_origins_replace_the_development_ones(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {"DATA_DIR": str(tmp_path), "WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": "https://app.example.com/"}
    )

    assert settings.relying_party_id == "example.com"
    assert settings.relying_party_origins == ("https://app.example.com",)


def test_production_leaves_passkeys_off_until_a_relying_party_is_named(tmp_path: Path) -> None:
    assert not Settings.from_environ(production(tmp_path)).passkeys_on

    named = Settings.from_environ(
        production(tmp_path, WEBAUTHN_RP_ID="example.com", WEBAUTHN_ORIGINS="https://example.com")
    )

    assert named.passkeys_on and named.relying_party_origins == ("https://example.com",)


@pytest.mark.parametrize(
    ("variables", "missing"),
    [
        ({"PASSKEYS_ENABLED": "true"}, "WEBAUTHN_RP_ID"),
        ({"PASSKEYS_ENABLED": "true", "WEBAUTHN_ORIGINS": "https://example.com"}, "WEBAUTHN_RP_ID"),
        ({"WEBAUTHN_RP_ID": "example.com"}, "WEBAUTHN_ORIGINS"),
    ],
)
def test_production_with_passkeys_on_refuses_to_start_without_an_explicit_relying_party(
    tmp_path: Path, variables: dict[str, str], missing: str
) -> None:
    with pytest.raises(SettingsError, match=missing):
        Settings.from_environ(production(tmp_path, **variables))


def test_production_with_passkeys_off_needs_no_relying_party(tmp_path: Path) -> None:
    settings = Settings.from_environ(production(tmp_path, PASSKEYS_ENABLED="false", WEBAUTHN_RP_ID="example.com"))

    assert not settings.passkeys_on


@pytest.mark.parametrize("origin", ["https://example.org", "https://notexample.com", "http://localhost:5173"])
def test_an_origin_off_the_relying_party_is_refused_at_start_up(tmp_path: Path, origin: str) -> None:
    with pytest.raises(SettingsError, match="WEBAUTHN_ORIGINS"):
        Settings.from_environ({"DATA_DIR": str(tmp_path), "WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": origin})


def test_origins_on_the_relying_party_or_under_it_are_taken(tmp_path: Path) -> None:
    origins = "https://example.com https://app.example.com:8443"

    settings = Settings.from_environ(
        {"DATA_DIR": str(tmp_path), "WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": origins}
    )

    assert settings.relying_party_origins == ("https://example.com", "https://app.example.com:8443")
