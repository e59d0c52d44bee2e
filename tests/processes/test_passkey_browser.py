"""Passkeys in a real browser: headless Chromium with a virtual authenticator from the DevTools protocol
(``WebAuthn.addVirtualAuthenticator``: CTAP2, built in, resident keys, user verification) registers a passkey on
the development page (/dev/passkeys) of a running server and signs in with it. The page is opened at
http://localhost:<port>, an origin of the development defaults, whose host is the relying party ID.

Playwright drives the system's Chromium (Debian's ``chromium``; .ci/run installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import NEEDS_CHROMIUM
from tests.support.servers import Server, running_server

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
]
WAIT_MS = 30_000  # a guard against a page that never answers, not a measurement


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as running:
        yield running


def _status_becomes(page: Page, text: str) -> str:
    status = page.locator("#status")
    status.get_by_text(text).wait_for(timeout=WAIT_MS)
    return status.inner_text()


def test_chromium_registers_a_passkey_and_signs_in_with_it(browser: Browser, server: Server) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]

    page.goto(f"http://localhost:{server.port}/dev/passkeys")
    page.fill("#user-name", "ada")
    page.fill("#password", "secure_password123")
    page.click("#register")
    registered = _status_becomes(page, "Signed in as ada")
    page.fill("#passkey-name", "Virtual key")
    page.click("#add-passkey")
    added = _status_becomes(page, "Passkey added")
    page.click("#sign-out")
    _status_becomes(page, "Not signed in")
    page.click("#passkey-login")
    by_passkey = _status_becomes(page, "with a passkey")
    stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]

    assert registered.endswith("signInMethod: password")
    assert added == "Passkey added: Virtual key"
    assert by_passkey == "Signed in as ada with a passkey; this session's signInMethod: passkey"
    assert len(stored) == 1 and stored[0]["isResidentCredential"] and stored[0]["signCount"] >= 1
    assert errors == []
