"""Provider sign-in in a real browser: Chromium goes from a front-end page (another loopback origin, listed in
SIGN_IN_REDIRECT_URLS and CORS_ORIGINS) to the real oidc-provider-mock's form, through our callback, back to the
page, which trades the one-time code with finishProviderSignIn and shows who is signed in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.processes.test_browser import CHROMIUM, browser
from tests.processes.test_browser_sessions import static_site
from tests.support.oidc import MockProvider, mock_provider
from tests.support.servers import Server, running_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)"),
]
__all__ = ["browser"]  # the fixture, shared with test_browser

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
  location.assign(answer.data.providerSignInUrl);
};
const status = document.getElementById("status");
if (params.get("error")) status.textContent = "error " + params.get("error");
if (params.get("code")) {
  graphql("mutation ($c: String!) { finishProviderSignIn(code: $c) { accessToken user { userName } } }",
          {c: params.get("code")}).then((answer) => {
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
