"""Sign-in providers on loopback for the provider sign-in tests.

- ``mock_provider``: the real ``oidc-provider-mock`` server (PyPI) as its own process: discovery, JWKS, the
  authorization code flow with nonce, a form to pick the subject (its claims set by ``PUT /users/{sub}``) and a
  Deny button, which redirects with ``error=access_denied`` as a provider does when the person cancels.
- ``FakeProvider``: a tiny provider of our own (joserfc keys, ``http.server``) for what the mock cannot mint:
  an ID token with a wrong nonce, a wrong audience, an expiry in the past, or a signature by a key outside its
  JWKS; and a Cancel that comes back with its state, as RFC 6749 (4.1.2.1) has it (the mock's Deny drops the
  state before its 0.4.7, and 0.3.4 is its last release for Python 3.11). It checks the PKCE verifier against
  the challenge, as a strict provider does (the mock takes any).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.servers import START_TIMEOUT, free_port


@dataclass
class MockProvider:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def set_user(self, sub: str, **claims: object) -> None:
        response = httpx.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims)
        assert response.status_code == 204, response.text

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def mock_provider(tmp_path: Path) -> Iterator[MockProvider]:
    """``python -m oidc_provider_mock`` on a free loopback port, ready, stopped afterwards."""
    port = free_port()
    log = tmp_path / "oidc-provider-mock.log"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our interpreter, the package's own entry point
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    provider = MockProvider(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, provider.output()
            try:
                if httpx.get(f"{provider.url}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, provider.output()
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class FakeProvider:
    """Our own provider; ``flaw`` spoils the next ID tokens ("nonce", "audience", "expired", "foreign key") or
    answers the next authorization with the person's Cancel ("cancel")."""

    url: str = ""
    client_id: str = "our-client"
    subject: str = "fake-subject-1"
    claims: dict[str, Any] = field(default_factory=dict)
    flaw: str | None = None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    stranger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    grants: dict[str, dict[str, str]] = field(default_factory=dict)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": self.subject,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
        }
        if self.flaw == "nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif self.flaw == "audience":
            claims["aud"] = "someone-else"
        elif self.flaw == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 600
        signer = self.stranger if self.flaw == "foreign key" else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, signer)

    def handle(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/.well-known/openid-configuration":
            return _json(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "jwks_uri": f"{self.url}/jwks",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )
        if path == "/jwks":
            return _json({"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize" and self.flaw == "cancel":  # the person pressed Cancel (RFC 6749, 4.1.2.1)
            target = f"{query['redirect_uri']}?{urlencode({'error': 'access_denied', 'state': query['state']})}"
            return 302, {"Location": target}, b""
        if path == "/authorize":  # consent at once: straight back with a code
            code = secrets.token_urlsafe(16)
            self.grants[code] = query
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            return 302, {"Location": target}, b""
        if path == "/token" and method == "POST":
            grant = self.grants.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or grant.get("code_challenge") != challenge or form.get("client_id") != self.client_id:
                return 400, {"Content-Type": "application/json"}, b'{"error": "invalid_grant"}'
            return _json({"access_token": "x", "token_type": "Bearer", "id_token": self.id_token(grant["nonce"])})
        return 404, {}, b""


def _json(body: object) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            form: dict[str, str] = {}
            if method == "POST":
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                form = {key: values[0] for key, values in parse_qs(body).items()}
            status, headers, body_out = provider.handle(method, parts.path, query, form)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body_out)))
            self.end_headers()
            self.wfile.write(body_out)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
