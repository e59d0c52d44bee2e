"""Cookie mode (AUTH_COOKIES=true) in a real browser: a page of ANOTHER origin signs in with
``credentials: 'include'``, keeps only the access token (in memory), reloads, gets its session back from the
HttpOnly cookie through POST /auth/refresh, and logs out; its JavaScript never sees the refresh token.

Two small static servers play the front ends: the one in CORS_ORIGINS, and a stranger on the same site
(another port of 127.0.0.1, so SameSite lets the cookie go there) that CORS and the CSRF header keep out.
The pages live under /auth/, the cookie's path: were the cookie not HttpOnly, ``document.cookie`` there would
show it (cookies ignore ports), so the test's check of it can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import NEEDS_CHROMIUM
from tests.support.servers import Server, running_server
from tests.support.static_site import static_site

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
]

COOKIE = "__Secure-refresh_token"
PAGE_PATH = "/auth/app.html"

# The front end's part, as an app would write it: the access token in a variable, never in storage.
APP = """<!doctype html>
<html><head><meta charset="utf-8"><title>front end</title></head><body>
<script>
const API = new URLSearchParams(location.search).get("api");  // the server under test
let accessToken = null;

async function graphql(query, variables, token) {
  const headers = {"Content-Type": "application/json"};
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(API + "/graphql", {
    method: "POST", credentials: "include", headers, body: JSON.stringify({query, variables}),
  });
  return response.json();
}

async function auth(path, withHeader = true) {
  const headers = withHeader ? {"X-Requested-With": "fetch"} : {};
  const response = await fetch(API + path, {method: "POST", credentials: "include", headers});
  const text = await response.text();
  return {status: response.status, body: text ? JSON.parse(text) : null};
}

window.signUp = async (userName, password) => {
  const result = await graphql(
    "mutation ($input: RegisterInput!) { register(input: $input) { accessToken refreshToken refreshExpiresIn } }",
    {input: {userName, password}});
  accessToken = result.data.register.accessToken;
  return result.data.register;
};
window.restore = async () => {
  const answer = await auth("/auth/refresh");
  if (answer.status === 200) accessToken = answer.body.accessToken;
  return answer;
};
window.me = async () => (await graphql("{ me { userName } }", null, accessToken)).data.me;
window.hasAccessToken = () => accessToken !== null;
window.logOut = async () => { const answer = await auth("/auth/logout"); accessToken = null; return answer; };
window.refreshWithoutHeader = () => auth("/auth/refresh", false);
window.tryRestore = async () => {
  try { return await auth("/auth/refresh"); } catch (error) { return {status: 0, body: String(error)}; }
};
</script></body></html>
"""


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[Server, str, str]]:
    """The API in cookie mode, the front end it lists in CORS_ORIGINS, and a stranger on the same site."""
    with (
        static_site(APP.encode()) as front_end,
        static_site(APP.encode()) as stranger,
        running_server(tmp_path, AUTH_COOKIES="true", CORS_ORIGINS=front_end) as server,
    ):
        yield server, front_end, stranger


def _api_cookies(page: Page, server: Server) -> list[dict[str, Any]]:
    return [dict(cookie) for cookie in page.context.cookies(server.url + "/auth/refresh")]


def test_a_page_of_another_origin_keeps_its_session_in_the_cookie_only(
    browser: Browser, sites: tuple[Server, str, str]
) -> None:
    server, front_end, stranger = sites
    page = browser.new_page()
    page.goto(f"{front_end}{PAGE_PATH}?api={server.url}")

    signed_up = page.evaluate("signUp('ada', 'secure_password123')")
    assert signed_up["accessToken"] and signed_up["refreshToken"] is None
    assert page.evaluate("me()") == {"userName": "ada"}
    [cookie] = _api_cookies(page, server)
    assert cookie["name"] == COOKIE
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (True, True, "Strict", "/auth")
    assert cookie["value"] not in page.evaluate("document.cookie")
    assert COOKIE not in page.evaluate("document.cookie")

    page.reload()  # the access token is gone with the page's memory; the session is not
    assert page.evaluate("hasAccessToken()") is False
    restored = page.evaluate("restore()")
    assert restored["status"] == 200, restored
    assert set(restored["body"]) == {"accessToken", "tokenType", "expiresIn"}
    assert page.evaluate("me()") == {"userName": "ada"}
    [rotated] = _api_cookies(page, server)
    assert rotated["value"] != cookie["value"]
    assert rotated["value"] not in page.evaluate("document.cookie")

    # The cookie rides on any request the browser sends; without the header it does nothing.
    refused = page.evaluate("refreshWithoutHeader()")
    assert refused["status"] == 403
    assert refused["body"]["errors"][0]["extensions"]["reason"] == "CSRF_HEADER_MISSING"

    # A page of an origin not in CORS_ORIGINS, on the same site: the preflight fails, nothing is sent.
    other = browser.new_page()
    other.goto(f"{stranger}{PAGE_PATH}?api={server.url}")
    tried = other.evaluate("tryRestore()")
    assert tried["status"] == 0 and "Failed to fetch" in tried["body"]
    assert _api_cookies(page, server) == [rotated]  # not spent by the stranger

    logged_out = page.evaluate("logOut()")
    assert logged_out["status"] == 204
    assert _api_cookies(page, server) == []
    after = page.evaluate("restore()")
    assert after["status"] == 401
    assert page.evaluate("hasAccessToken()") is False
