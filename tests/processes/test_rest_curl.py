"""Seed 001's curl commands, run with the real curl against a started server (issue 22.1): the host and the
token are the only changes, besides the two the seed forces (tests/graphql/test_rest_seed_examples.py says
why: its register example's email is no address, and its password example's old password is not the one its
register example set)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.support.seed_examples import SEED_001, TOKEN_PLACEHOLDERS
from tests.support.servers import Server, running_server

SEED_HOST = "https://api.example.com"
STATUS = "\n%{http_code}"


def curl(server: Server, command: str, token: str = "", email: str | None = None) -> tuple[int, Any]:
    """The seed's command as a shell would split it, with the server's address, ``token`` and (when given) an
    ``email`` in place of the seed's obfuscated one: the status and the JSON answer."""
    for placeholder in TOKEN_PLACEHOLDERS:
        command = command.replace(placeholder, token)
    if email is not None:
        command = command.replace("[email protected]", email)
    words = shlex.split(command.replace(SEED_HOST, server.url).replace("\\\n", " "))
    curl_path = shutil.which("curl")
    assert curl_path is not None, "the process tier needs curl (Debian's curl package)"
    done = subprocess.run(  # noqa: S603 - the seed's own command, against our own server
        [curl_path, "-sS", "-w", STATUS, *words[1:]], capture_output=True, text=True, check=True, timeout=30
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_seed_001s_curl_commands_register_update_change_the_password_and_delete(tmp_path: Path) -> None:
    register, update, password, delete = SEED_001
    with running_server(tmp_path) as server:
        as_written = curl(server, register)
        status, registered = curl(server, register, email="johndoe@example.com")
        token = registered["accessToken"]
        updated = curl(server, update, token)
        wrong_old = curl(server, password, token)
        to_the_seeds = {"providedOldPassword": "securePassword123", "providedNewPassword": "currentPassword123"}
        assert _send(server, "PUT", "/api/users/johndoe", to_the_seeds, token)[0] == 200
        _, login = _login(server, "currentPassword123")
        changed = curl(server, password, login["accessToken"])
        _, login = _login(server, "newSecurePassword456")
        deleted = curl(server, delete, login["accessToken"])
        gone = curl(server, delete, login["accessToken"])

    assert as_written[0] == 422 and as_written[1]["error"]["field"] == "email"
    assert status == 201 and registered["user"]["userName"] == "johndoe"
    assert updated[0] == 200 and updated[1]["profile"]["website"] == "https://johndoe.dev"
    assert wrong_old[0] == 422 and wrong_old[1]["error"]["field"] == "providedOldPassword"
    assert changed[0] == 200
    assert deleted == (200, {"userID": registered["user"]["userID"], "userName": "johndoe"})
    assert gone[0] == 401  # the account, and so its tokens, are gone
    log = server.output()
    assert "POST /api/register RestRegister 201" in log
    assert "DELETE /api/users/johndoe RestDeleteUser 200" in log
    for secret in ("securePassword123", "currentPassword123", "newSecurePassword456"):
        assert secret not in log


def _send(server: Server, method: str, path: str, body: dict[str, str], token: str = "") -> tuple[int, Any]:
    """A request of the test's own, written as the seed writes its commands."""
    command = f"curl -X {method} {SEED_HOST}{path} -H 'Content-Type: application/json' -d '{json.dumps(body)}'"
    if token:
        command += f" -H 'Authorization: Bearer {token}'"
    return curl(server, command)


def _login(server: Server, password: str) -> tuple[int, Any]:
    return _send(server, "POST", "/login", {"username": "johndoe", "password": password})
