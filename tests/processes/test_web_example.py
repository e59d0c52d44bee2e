"""The example front end (examples/web) in a real browser: npm installs its locked packages into build/ (once),
Vite builds it with the API's URL, a static server on another loopback origin serves it, and headless Chromium
signs up two people, signs in, edits the bio, follows the other, and sees each form error next to its field,
against a real server that allows that origin by CORS_ORIGINS. Nothing outside loopback is reached.

Screenshots land in build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.support.browser import NEEDS_CHROMIUM, SCREENSHOTS
from tests.support.servers import ROOT, Server, free_port, running_server

EXAMPLE = ROOT / "examples" / "web"
SOURCES = ["package.json", "package-lock.json", "tsconfig.json", "index.html", "src"]
NPM = shutil.which("npm")
pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
    pytest.mark.skipif(NPM is None or shutil.which("node") is None, reason="the example builds with Node and npm"),
]
PASSWORD = "secure_password123"
# Access tokens expire after a second (plus the server's 10 s of clock-skew leeway), so the page must refresh.
ACCESS_TOKEN_TTL = 1
EXPIRED_AFTER_MS = 12_000


@pytest.fixture(scope="module")
def example() -> Path:
    """The example's sources in build/web-example with its locked packages (`npm ci`, again only when the lock
    file changes), type-checked (strict)."""
    target = ROOT / "build" / "web-example"
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / "src", ignore_errors=True)
    for name in SOURCES:
        source = EXAMPLE / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    lock = (EXAMPLE / "package-lock.json").read_text()
    stamp = target / "node_modules" / ".installed-lock.json"
    if not stamp.exists() or stamp.read_text() != lock:
        subprocess.run(  # noqa: S603 - npm installing the locked packages of examples/web
            [str(NPM), "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=target,
            check=True,
            capture_output=True,
            timeout=300,
        )
        stamp.write_text(lock)
    checked = subprocess.run(  # noqa: S603 - the example's own TypeScript compiler
        [shutil.which("node") or "node", "node_modules/typescript/bin/tsc", "--noEmit"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, f"examples/web does not type-check:\n{checked.stdout}{checked.stderr}"
    return target


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class App:
    url: str
    api: Server


@pytest.fixture
def app(example: Path, tmp_path: Path) -> Iterator[App]:
    """The API on one loopback port, the built example served from another: two origins, joined by CORS."""
    dist = tmp_path / "dist"
    dist.mkdir()
    static = ThreadingHTTPServer(("127.0.0.1", free_port()), functools.partial(_Quiet, directory=str(dist)))
    origin = f"http://127.0.0.1:{static.server_address[1]}"
    serving = threading.Thread(target=static.serve_forever, daemon=True)
    serving.start()
    try:
        with running_server(tmp_path, CORS_ORIGINS=origin, ACCESS_TOKEN_TTL=str(ACCESS_TOKEN_TTL)) as api:
            subprocess.run(  # noqa: S603 - Vite, from the example's own packages
                [shutil.which("node") or "node", "node_modules/vite/bin/vite.js", "build", "--outDir", str(dist)],
                cwd=example,
                env={"PATH": api.environ["PATH"], "VITE_API_URL": api.graphql_url},
                check=True,
                capture_output=True,
                timeout=120,
            )
            yield App(origin, api)
    finally:
        static.shutdown()
        static.server_close()


def _sign_up(page: Page, user_name: str, password: str = PASSWORD, email: str = "") -> None:
    form = page.locator("#sign-up")
    form.get_by_label("User name").fill(user_name)
    form.get_by_label("Email (optional)").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign up").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-up")).to_be_visible()


def test_the_example_signs_up_signs_in_edits_the_bio_and_follows(browser: Browser, app: App) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 1100})
    elsewhere: list[str] = []
    page_errors: list[str] = []
    refreshes: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith((app.url + "/", app.api.url + "/", "data:")):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    def count_refreshes(request: Request) -> None:
        if request.method == "POST" and "mutation Refresh" in (request.post_data or ""):
            refreshes.append(request.url)

    page.route("**/*", only_loopback)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("request", count_refreshes)
    page.goto(app.url + "/")

    # A refused sign-up: the server names the field, and the page shows the message next to it.
    _sign_up(page, "bad name!", password="x", email="nope")
    user_name = page.locator("#sign-up").get_by_label("User name")
    expect(page.locator("#sign-up-userName-error")).to_contain_text("userName must be 1 to 25 characters")
    expect(user_name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sign-up .form-error")).to_have_text("")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "web-example-sign-up-error.png")

    # Two people sign up (each is signed in at once), and sign out.
    _sign_up(page, "bob_ray")
    expect(page.locator("#me-name")).to_have_text("bob_ray")
    _sign_out(page)
    _sign_up(page, "ann_lee", email="ann@example.com")
    expect(page.locator("#me-name")).to_have_text("ann_lee")
    _sign_out(page)
    _sign_up(page, "Ann_Lee")  # a taken name, in another case: CONFLICT on userName
    expect(page.locator("#sign-up-userName-error")).to_contain_text("already taken")

    # Ann signs in, lets her access token expire, and edits her bio: the page refreshes and carries on.
    sign_in = page.locator("#sign-in")
    sign_in.get_by_label("User name or email").fill("ann_lee")
    sign_in.get_by_label("Password").fill(PASSWORD)
    sign_in.get_by_role("button", name="Sign in").click()
    expect(page.locator("#me-name")).to_have_text("ann_lee")
    expect(page.locator("#me-following")).to_have_text("0")
    page.wait_for_timeout(EXPIRED_AFTER_MS)
    page.get_by_label("Bio").fill("Front-end developer, signed in from Chromium.")
    page.get_by_role("button", name="Save bio").click()
    expect(page.locator("#me-bio")).to_have_text("Front-end developer, signed in from Chromium.")
    assert len(refreshes) >= 1, "the expired access token was not refreshed"

    # A bio over 200 characters: the error stands next to the bio, which keeps its old value.
    page.get_by_label("Bio").fill("x" * 201)
    page.get_by_role("button", name="Save bio").click()
    expect(page.locator("#bio-error")).to_contain_text("bio must be at most 200 characters")
    expect(page.get_by_label("Bio")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#me-bio")).to_have_text("Front-end developer, signed in from Chromium.")

    # Following: an unknown name is an error at the field, the other account works and the count shows it.
    follow = page.locator("#follow")
    follow.get_by_label("User name to follow").fill("no_such_person")
    follow.get_by_role("button", name="Follow").click()
    expect(page.locator("#follow-userName-error")).not_to_be_empty()
    follow.get_by_label("User name to follow").fill("bob_ray")
    follow.get_by_role("button", name="Follow").click()
    expect(page.locator("#follow-result")).to_have_text("You follow bob_ray; 1 follower(s).")
    expect(page.locator("#me-following")).to_have_text("1")
    expect(page.locator("#follow-userName-error")).to_have_text("")
    page.screenshot(path=SCREENSHOTS / "web-example-signed-in.png")
    print(f"screenshots: {SCREENSHOTS / 'web-example-sign-up-error.png'}, {SCREENSHOTS / 'web-example-signed-in.png'}")

    # The tokens lived in memory only: nothing in storage or cookies, and a reload signs out.
    stored = page.evaluate("localStorage.length + sessionStorage.length + document.cookie.length")
    assert stored == 0
    page.reload()
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#signed-in")).to_be_hidden()

    assert elsewhere == [], "the page tried to reach beyond loopback"
    assert page_errors == []
