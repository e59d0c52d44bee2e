"""GraphiQL in a real browser: headless Chromium opens the page of a running server, runs a mutation
and sees its result, and reads an operation's description in the docs pane. No file comes from
outside this server. The screenshot lands in build/screenshots/ for a person to look at.

Playwright drives the system's Chromium (Debian's ``chromium``; .ci/run installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.support.browser import NEEDS_CHROMIUM, SCREENSHOTS
from tests.support.servers import Server, running_server

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
]

REGISTER = """mutation Register {
  register(input: {userName: "ada", password: "secure_password123"}) {
    tokenType
    user { userName }
  }
}"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as running:
        yield running


def _open_graphiql(browser: Browser, server: Server, elsewhere: list[str], errors: list[str]) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 900})

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith((server.url + "/", "data:")):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.graphql_url)
    page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=30_000)
    return page


def _run_the_document(page: Page) -> None:
    # GraphiQL re-reads the document's operations shortly after an edit; until then the example it opened on
    # (three operations) makes the run button a menu to choose one from.
    page.locator(".graphiql-execute-button:not([aria-haspopup])").wait_for(timeout=10_000)
    page.locator(".graphiql-execute-button").click()


def test_graphiql_runs_a_mutation_and_shows_the_result(browser: Browser, server: Server) -> None:
    elsewhere: list[str] = []
    errors: list[str] = []
    page = _open_graphiql(browser, server, elsewhere, errors)

    page.locator(".graphiql-query-editor .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(REGISTER)  # as a paste: the editor's auto-closing brackets stay out of it
    _run_the_document(page)
    response = page.locator(".graphiql-response")
    response.get_by_text('"userName": "ada"').wait_for(timeout=30_000)

    page.get_by_label("Show Documentation Explorer").click()
    page.locator(".graphiql-doc-explorer").get_by_text("Mutation", exact=True).click()
    docs = page.locator(".graphiql-doc-explorer")
    docs.get_by_text("Errors: BAD_USER_INPUT", exact=False).first.wait_for(timeout=10_000)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "graphiql-register.png")
    print(f"screenshot: {SCREENSHOTS / 'graphiql-register.png'}")

    assert '"tokenType": "Bearer"' in response.inner_text()
    assert "errors" not in response.inner_text()
    assert elsewhere == [], "GraphiQL tried to load files from outside this server"
    assert errors == []


def test_graphiql_opens_on_this_services_example_and_keeps_the_editor_out_of_the_url(
    browser: Browser, server: Server
) -> None:
    elsewhere: list[str] = []
    errors: list[str] = []
    page = _open_graphiql(browser, server, elsewhere, errors)
    editor = page.locator(".graphiql-query-editor .CodeMirror")

    opened_on = editor.inner_text()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(REGISTER.replace("secure_password123", "a-password-kept-secret"))
    _run_the_document(page)
    page.locator(".graphiql-response").get_by_text('"userName": "ada"').wait_for(timeout=30_000)

    assert "mutation Register" in opened_on and "query Me" in opened_on
    assert "Welcome to GraphiQL" not in opened_on
    assert page.url == server.graphql_url  # no ?q=... with the document, its password and variables
    assert elsewhere == [] and errors == []
