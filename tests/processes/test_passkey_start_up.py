"""`python main.py` in production with passkeys on and no explicit relying party refuses to start (exit 2) with a
message naming what to set; with one named, it starts (README, Passkeys)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.servers import Server, run_main, server_environ


def test_production_with_passkeys_on_and_no_relying_party_refuses_to_start(tmp_path: Path) -> None:
    environ = server_environ(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, PASSKEYS_ENABLED="true")

    started = run_main(environ)

    assert started.returncode == 2, started.stderr
    assert "WEBAUTHN_RP_ID is not set" in started.stderr and "WEBAUTHN_ORIGINS is not set" in started.stderr
    assert "Traceback" not in started.stderr


def test_production_with_a_relying_party_starts_and_serves_no_development_page(tmp_path: Path) -> None:
    database = f"sqlite://{tmp_path / 'db.sqlite3'}"
    assert run_main(server_environ(database, tmp_path), "migrate").returncode == 0
    environ = server_environ(database, tmp_path, WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGINS="http://localhost:5173")
    server = Server(environ, tmp_path / "server.log")
    server.start()
    try:
        server.wait_ready_blocking()
        page = httpx.get(f"{server.url}/dev/passkeys", timeout=10)
        begun = httpx.post(server.graphql_url, json={"query": "mutation { beginPasskeyLogin }"}, timeout=10)
    finally:
        server.stop()

    assert page.status_code == 404
    assert '"rpId":"localhost"' in begun.json()["data"]["beginPasskeyLogin"].replace(" ", "")
