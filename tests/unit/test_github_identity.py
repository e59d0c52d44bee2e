"""Who signed in with GitHub (services/identity/provider_client.py): GitHub has no ID token, so its API says who,
with the numeric id as the subject and only a primary verified address as the email. GitHub does not run here:
its three endpoints answer from an httpx transport of the test's, with GitHub's documented shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from services.identity.provider_client import ProviderFailed, github_identity
from settings import OidcProvider

GITHUB = OidcProvider(name="github", type="github", client_id="gh-client", client_secret="test-only")


def github(emails: list[dict[str, Any]], seen: list[httpx.Request]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/login/oauth/access_token":
            return httpx.Response(200, json={"access_token": "gho_test", "token_type": "bearer"})
        if request.headers.get("authorization") != "Bearer gho_test":
            return httpx.Response(401, json={"message": "Bad credentials"})
        if request.url.path == "/user":
            return httpx.Response(200, json={"id": 583231, "login": "octocat", "name": "The Octocat"})
        if request.url.path == "/user/emails":
            return httpx.Response(200, json=emails)
        return httpx.Response(404)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_the_numeric_id_is_the_subject_and_the_primary_verified_address_the_email() -> None:
    seen: list[httpx.Request] = []
    emails = [
        {"email": "old@example.com", "primary": False, "verified": True},
        {"email": "octocat@github.com", "primary": True, "verified": True},
    ]
    async with github(emails, seen) as client:
        found = await github_identity(
            client, GITHUB, code="c0de", code_verifier="v" * 64, redirect_uri="https://api.example/auth/callback/github"
        )

    assert (found.subject, found.email, found.email_verified) == ("583231", "octocat@github.com", True)
    assert (found.preferred_username, found.name) == ("octocat", "The Octocat")
    exchange = dict(x.split("=", 1) for x in seen[0].content.decode().split("&"))
    assert exchange["code_verifier"] == "v" * 64 and exchange["client_id"] == "gh-client"


async def test_an_unverified_primary_address_is_no_email() -> None:
    async with github([{"email": "octocat@github.com", "primary": True, "verified": False}], []) as client:
        found = await github_identity(client, GITHUB, code="c", code_verifier="v" * 64, redirect_uri="https://x/cb")

    assert (found.email, found.email_verified) == (None, False)


async def test_a_refused_code_is_a_provider_failure() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps({"error": "bad_verification_code"}))

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(ProviderFailed) as failed:
            await github_identity(client, GITHUB, code="c", code_verifier="v" * 64, redirect_uri="https://x/cb")

    assert failed.value.reason == "PROVIDER_UNAVAILABLE"
    assert "bad_verification_code" in failed.value.detail
