"""OIDC_PROVIDERS and SIGN_IN_REDIRECT_URLS as an operator writes them: JSON and words, each mistake refused at
start-up with a message naming the variable, and a client secret never repeated."""

from __future__ import annotations

import json

import pytest

from settings import Settings, SettingsError

SECRET = "x" * 40
GOOGLE = {"name": "google", "issuer": "https://accounts.google.com", "clientId": "id", "clientSecret": "s3cr3t-value"}


def read(app_env: str = "development", **variables: str) -> Settings:
    return Settings.from_environ({"APP_ENV": app_env, "JWT_SECRET": SECRET, **variables})


def test_providers_are_read_from_json_with_their_defaults() -> None:
    github = {"name": "github", "type": "github", "clientId": "gh", "clientSecret": "s3cr3t-value"}
    found = read(
        "production",
        SMTP_URL="smtp://127.0.0.1:25",
        OIDC_PROVIDERS=json.dumps([GOOGLE, github]),
        SIGN_IN_REDIRECT_URLS="https://app.example/signed-in, http://localhost:5173/signed-in",
        PUBLIC_URL="https://api.example.com/",
    )

    google, gh = found.oidc_providers
    assert (google.scope, google.title, google.client_secret) == ("openid email profile", "google", "s3cr3t-value")
    assert (gh.scope, gh.title) == ("read:user user:email", "GitHub")
    assert found.sign_in_redirect_urls == ("https://app.example/signed-in", "http://localhost:5173/signed-in")
    assert "s3cr3t-value" not in repr(found)
    assert found.public_url == "https://api.example.com"  # the callback URL adds /auth/callback/{name}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"OIDC_PROVIDERS": "google"}, "OIDC_PROVIDERS: must be a JSON list"),
        ({"OIDC_PROVIDERS": json.dumps([{**GOOGLE, "name": "Google!"}])}, "is no provider name"),
        ({"OIDC_PROVIDERS": json.dumps([{**GOOGLE, "issuer": "accounts.google.com"}])}, "needs an issuer URL"),
        ({"OIDC_PROVIDERS": json.dumps([{**GOOGLE, "clientSecret": ""}])}, "OIDC_PROVIDERS"),
        ({"OIDC_PROVIDERS": json.dumps([{**GOOGLE, "tenant": "x"}])}, "OIDC_PROVIDERS"),
        ({"OIDC_PROVIDERS": json.dumps([GOOGLE, GOOGLE])}, "two providers have the same name"),
        ({"SIGN_IN_REDIRECT_URLS": "app.example/signed-in"}, "SIGN_IN_REDIRECT_URLS"),
        ({"SIGN_IN_REDIRECT_URLS": "https://app.example/signed-in?x=1"}, "without ? or #"),
        ({"PUBLIC_URL": "api.example.com"}, "PUBLIC_URL: 'api.example.com' is no address"),
    ],
)
def test_a_bad_provider_setting_is_refused_with_what_to_fix(variables: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        read(**variables)

    assert message in str(refused.value)
    assert "s3cr3t-value" not in str(refused.value)


def test_a_plain_http_issuer_is_for_development_only() -> None:
    local = json.dumps([{**GOOGLE, "issuer": "http://127.0.0.1:9400"}])

    assert read(OIDC_PROVIDERS=local).oidc_providers[0].issuer == "http://127.0.0.1:9400"
    with pytest.raises(SettingsError) as refused:
        read("production", OIDC_PROVIDERS=local)
    assert "https:// URL in production" in str(refused.value)
