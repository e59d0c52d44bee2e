"""``python main.py keys generate | list | activate KID | retire KID`` as an operator runs them (README, Tokens for
other services): the first key is active at once, the next one waits to be published, a refusal is one line and
exit code 2, and production will not start without an active key but names the command that makes one."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from tests.support.servers import run_main, server_environ

FERNET_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


def _environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    keys = {"JWT_ALGORITHM": "EdDSA", "TOTP_ENCRYPTION_KEY": FERNET_KEY, "JWKS_MAX_AGE": "300"}
    return server_environ(f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path, **(keys | extra))


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "Traceback" not in result.stderr and len(errors) == 1, result.stderr  # (beside log lines)
    return errors[0]


def _rows(listed: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split("\t") == ["kid", "algorithm", "state", "created", "activated", "retired", "published until"]
    return {row.split("\t")[0]: row.split("\t") for row in rows}


def test_generate_list_activate_and_retire(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    assert run_main(environ, "migrate").returncode == 0

    no_key = run_main(environ)  # serving
    assert "no active signing key" in _refused(no_key) and "python main.py keys generate" in no_key.stderr

    first = run_main(environ, "keys", "generate")
    second = run_main(environ, "keys", "generate")
    assert first.returncode == second.returncode == 0, (first.stderr, second.stderr)
    first_kid, second_kid = first.stdout.split("\t")[0], second.stdout.split("\t")[0]
    assert "active" in first.stdout and "next" in second.stdout
    rows = _rows(run_main(environ, "keys", "list"))
    assert [rows[first_kid][1:3], rows[second_kid][1:3]] == [["EdDSA", "active"], ["EdDSA", "next"]]
    assert rows[second_kid][4:] == ["-", "-", "-"]  # never activated, never retired

    too_soon = run_main(environ, "keys", "activate", second_kid)
    assert "--now" in _refused(too_soon) and "JWKS_MAX_AGE" in too_soon.stderr
    assert "active key" in _refused(run_main(environ, "keys", "retire", first_kid))
    assert "no key" in _refused(run_main(environ, "keys", "activate", "no-such-kid", "--now"))

    activated = run_main(environ, "keys", "activate", second_kid, "--now")
    assert activated.returncode == 0, activated.stderr
    rows = _rows(run_main(environ, "keys", "list"))
    assert (rows[first_kid][2], rows[second_kid][2]) == ("retired", "active")
    assert rows[first_kid][5] != "-" and rows[first_kid][6] != "-"  # retired at, published until
    retired = run_main(environ, "keys", "retire", first_kid)  # already retired by the activation: said so
    assert retired.returncode == 0 and "published until" in retired.stdout

    third = run_main(environ, "keys", "generate").stdout.split("\t")[0]
    withdrawn = run_main(environ, "keys", "retire", third)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert _rows(run_main(environ, "keys", "list"))[third][2] == "retired"

    # Refusals of the command itself: HS256 has no key pairs; production needs the Fernet key to store one.
    assert "EdDSA, ES256 or RS256" in _refused(run_main(environ | {"JWT_ALGORITHM": "HS256"}, "keys", "generate"))
    without_fernet = {name: value for name, value in environ.items() if name != "TOTP_ENCRYPTION_KEY"}
    assert "TOTP_ENCRYPTION_KEY" in _refused(run_main(without_fernet, "keys", "generate"))
