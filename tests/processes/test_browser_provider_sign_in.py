"""Provider sign-in in a real browser: Chromium goes from a front-end page (another loopback origin, listed in
SIGN_IN_REDIRECT_URLS and CORS_ORIGINS) to the real oidc-provider-mock's form, through our callback, back to the
page, which trades the one-time code, with the state it kept in sessionStorage, with finishProviderSignIn and shows
who is signed in. A code made in another browser (an attacker's link) signs the page in as no one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.processes.test_browser_sessions import static_site
from tests.support.browser import NEEDS_CHROMIUM
from tests.support.oidc import MockProvider, mock_provider
from tests.support.servers import Server, running_server

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

# The front end's part, as a single-page app would write it.
APP = """<!doctype html>
<html><head><meta charset="utf-8"><title>front end</title></head><body>
<p id="status">signed out</p>
<button id="sign-in">Sign in with Mock</button>
<script>
const params = new URLSearchParams(location.search);
const API = params.get("api");  // the server under test
async function graphql(query, variables) {
  const response = await fetch(API + "/graphql", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({query, variables}),
  });
  return response.json();
}
document.getElementById("sign-in").onclick = async () => {
  const back = location.origin + "/signed-in?api=" + encodeURIComponent(API);
  const answer = await graphql(
    "mutation ($p: String!, $r: String!) { providerSignInUrl(provider: $p, redirectTo: $r) }", {p: "mock", r: back});
  const url = answer.data.providerSignInUrl;
  sessionStorage.setItem("providerState", new URL(url).searchParams.get("state"));  // this tab's proof
  location.assign(url);
};
const status = document.getElementById("status");
if (params.get("error")) status.textContent = "error " + params.get("error");
if (params.get("code")) {
  const state = sessionStorage.getItem("providerState") || "";  // none: a link someone else sent
  graphql("mutation ($c: String!, $s: String!) { finishProviderSignIn(code: $c, state: $s) "
          + "{ accessToken user { userName } } }", {c: params.get("code"), s: state}).then((answer) => {
    const done = answer.data && answer.data.finishProviderSignIn;
    status.textContent = done && done.accessToken ? "signed in as " + done.user.userName
                                                  : "refused " + JSON.stringify(answer.errors);
  });
}
</script></body></html>
"""


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[Server, str, MockProvider]]:
    with static_site(APP.encode()) as front_end, mock_provider(tmp_path) as mock:
        providers = [{"name": "mock", "issuer": mock.url, "clientId": "browser-app", "clientSecret": "test-only"}]
        with running_server(
            tmp_path,
            OIDC_PROVIDERS=json.dumps(providers),
            SIGN_IN_REDIRECT_URLS=f"{front_end}/signed-in",
            CORS_ORIGINS=front_end,
        ) as server:
            yield server, front_end, mock


def test_chromium_signs_in_through_the_provider_and_back(
    browser: Browser, sites: tuple[Server, str, MockProvider]
) -> None:
    server, front_end, mock = sites
    mock.set_user("sub-browser", email="browser@example.com", email_verified=True, preferred_username="chromium")
    page = browser.new_page()
    page.goto(f"{front_end}/start?api={server.url}")

    page.get_by_role("button", name="Sign in with Mock").click()
    page.wait_for_url(f"{mock.url}/oauth2/authorize?**")
    page.get_by_placeholder("sub").fill("sub-browser")
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{front_end}/signed-in?**")
    expect(page.locator("#status")).to_have_text("signed in as chromium")
    landed = page.url
    assert "code=" in landed
    assert "token" not in landed.lower()  # no access, refresh or ID token in the address bar

    page.reload()  # the code worked once: the page's second try is refused
    expect(page.locator("#status")).to_contain_text("PROVIDER_CODE_INVALID")


def test_a_code_from_another_browser_signs_chromium_in_as_no_one(
    browser: Browser, sites: tuple[Server, str, MockProvider]
) -> None:
    """Login CSRF: the attacker signs in at the provider with a plain client, stops at the front end's address
    with his ?code= and sends it to the victim, whose Chromium opens it."""
    server, front_end, mock = sites
    mock.set_user("sub-attacker", email="attacker@example.com", preferred_username="attacker")
    back = f"{front_end}/signed-in?api={quote(server.url, safe='')}"
    started = httpx.post(
        server.graphql_url,
        json={
            "query": 'mutation ($r: String!) { providerSignInUrl(provider: "mock", redirectTo: $r) }',
            "variables": {"r": back},
        },
        timeout=30,
    ).json()["data"]["providerSignInUrl"]
    with httpx.Client(timeout=30) as client:
        response = client.post(started, data={"sub": "sub-attacker"})
        while not response.headers["location"].startswith(front_end):
            response = client.get(response.headers["location"])
    sent = response.headers["location"]
    assert "code=" in sent

    page = browser.new_page()
    page.goto(sent)

    expect(page.locator("#status")).to_contain_text("PROVIDER_CODE_INVALID")
    assert page.evaluate("sessionStorage.length") == 0
