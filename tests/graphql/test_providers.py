"""Provider sign-in over HTTP, the parts that need no provider answering (the whole flow against real providers:
tests/processes/test_provider_sign_in.py): the providers listed, the authorization URL for GitHub (fixed
endpoints, no discovery), refusals of unknown providers, open redirects and unknown codes, the callback without
a live state, an unreachable provider, and setPassword for an account that has a password."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from settings import OidcProvider, Settings
from tests.graphql.test_metrics import parse, value
from tests.support import PASSWORD, Api, replace

DONE = "https://app.example/signed-in"
START = "mutation Start($p: String!, $r: String!) { providerSignInUrl(provider: $p, redirectTo: $r) }"
FINISH = """mutation Finish($code: String!, $state: String!) {
  finishProviderSignIn(code: $code, state: $state) { accessToken }
}"""
FINISH_LINK = """mutation FinishLink($code: String!, $state: String!) {
  finishProviderLink(code: $code, state: $state) { provider }
}"""
PROVIDERS = "{ signInProviders { name displayName } }"
SET_PASSWORD = "mutation Set($pw: String!) { setPassword(newPassword: $pw) }"
METHODS = "{ signInMethods { password providers { provider } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(
        settings,
        oidc_providers=(
            OidcProvider(name="github", type="github", client_id="gh-client", client_secret="test-only"),
            OidcProvider(
                name="down",
                issuer="http://127.0.0.1:9",  # the discard port: nothing answers
                client_id="c",
                client_secret="test-only",
                display_name="Down Inc.",
            ),
        ),
        sign_in_redirect_urls=(DONE,),
    )


async def test_the_configured_providers_are_listed_without_their_secrets(api: Api) -> None:
    result = await api.execute(PROVIDERS)

    assert result.data["signInProviders"] == [
        {"name": "github", "displayName": "GitHub"},
        {"name": "down", "displayName": "Down Inc."},
    ]


async def test_github_gets_an_authorization_url_with_state_and_pkce(api: Api) -> None:
    first = await api.execute(START, {"p": "github", "r": DONE + "?from=menu"})
    second = await api.execute(START, {"p": "github", "r": DONE})

    url = urlsplit(first.data["providerSignInUrl"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert (url.scheme, url.netloc, url.path) == ("https", "github.com", "/login/oauth/authorize")
    assert query["client_id"] == "gh-client"
    assert query["redirect_uri"] == "http://testserver/auth/callback/github"
    assert query["response_type"] == "code"
    assert query["scope"] == "read:user user:email"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 40 and len(query["code_challenge"]) == 43
    assert "nonce" not in query and "client_secret" not in query
    other = parse_qs(urlsplit(second.data["providerSignInUrl"]).query)
    assert other["state"][0] != query["state"] and other["code_challenge"][0] != query["code_challenge"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/signed-in", "https://app.example/other", f"{DONE}#frag", "//evil.example", ""]
)
async def test_a_redirect_off_the_list_is_refused(api: Api, target: str) -> None:
    result = await api.execute(START, {"p": "github", "r": target})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "redirectTo")


async def test_an_unknown_provider_is_refused(api: Api) -> None:
    result = await api.execute(START, {"p": "gitlab", "r": DONE})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "provider")


async def test_an_unreachable_provider_is_unavailable_not_an_internal_error(api: Api) -> None:
    result = await api.execute(START, {"p": "down", "r": DONE})

    assert result.code == "SERVICE_UNAVAILABLE"
    assert "Down Inc." in result.error["message"]


async def test_an_unknown_code_signs_no_one_in_and_is_counted(api: Api) -> None:
    before = parse((await api.client.get("/metrics")).text)

    result = await api.execute(FINISH, {"code": "made-up", "state": "made-up"})

    assert result.code == "UNAUTHENTICATED"
    assert result.error["extensions"]["reason"] == "PROVIDER_CODE_INVALID"
    after = parse((await api.client.get("/metrics")).text)
    counted = "provider_sign_ins_total"
    assert (
        value(after, counted, outcome="PROVIDER_CODE_INVALID")
        == value(before, counted, outcome="PROVIDER_CODE_INVALID") + 1
    )


async def test_finishing_a_link_needs_a_token_and_a_known_code(api: Api) -> None:
    account = await api.register("lee")

    anonymous = await api.execute(FINISH_LINK, {"code": "made-up", "state": "made-up"})
    unknown = await api.execute(FINISH_LINK, {"code": "made-up", "state": "made-up"}, token=account.token)

    assert anonymous.code == "UNAUTHENTICATED"
    assert (unknown.code, unknown.error["extensions"]["reason"]) == ("UNAUTHENTICATED", "PROVIDER_CODE_INVALID")
    assert unknown.field == "code"


async def test_the_callback_without_a_live_state_shows_a_page_and_redirects_nowhere(api: Api) -> None:
    await api.execute(START, {"p": "github", "r": DONE})

    for query in ("?code=x&state=forged", "?code=x", "?error=access_denied"):
        response = await api.client.get(f"/auth/callback/github{query}")
        assert response.status_code == 400, query
        assert "location" not in response.headers
        assert response.headers["cache-control"] == "no-store"
    unknown = await api.client.get("/auth/callback/nope?code=x&state=y")
    assert unknown.status_code == 400


async def test_an_account_with_a_password_changes_it_the_usual_way(api: Api) -> None:
    account = await api.register("pat")

    refused = await api.execute(SET_PASSWORD, {"pw": PASSWORD + "!"}, token=account.token)
    methods = await api.execute(METHODS, token=account.token)

    assert (refused.code, refused.field) == ("CONFLICT", "newPassword")
    assert methods.data["signInMethods"] == {"password": True, "providers": []}
    assert not (await api.login("pat", PASSWORD)).errors
