"""README's first command on a fresh checkout: `make run` builds its own virtualenv with what serving needs (no
test or lint tools), says so in a line or two instead of pip's chatter, and serves GraphiQL; outside that
virtualenv, `python main.py` says how to run it instead of failing with a traceback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import ROOT, free_port

START_TIMEOUT = 600  # a fresh virtualenv: pip downloads and installs every package


def _checkout(target: Path) -> Path:
    """The working tree as a fresh clone has it (tracked and new files, nothing ignored), plus the GraphiQL
    files already fetched, so the test needs the package index only for pip."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    if (ROOT / "build" / "graphiql").is_dir():
        shutil.copytree(ROOT / "build" / "graphiql", target / "build" / "graphiql")
    return target


def test_make_run_installs_only_what_serving_needs_quietly_and_serves_graphiql(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path / "checkout")
    port = free_port()
    log = tmp_path / "make-run.log"
    environ = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PORT": str(port), "BCRYPT_ROUNDS": "4"}
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "run"],  # noqa: S607
            cwd=checkout,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        page = _wait_for_graphiql(f"http://127.0.0.1:{port}/graphql", make, log)
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=60)
    output = log.read_text(errors="replace")
    before_serving = output.split("Uvicorn running", 1)[0]
    venv_python = checkout / ".venv" / "bin" / "python"
    tools = subprocess.run(  # noqa: S603
        [
            venv_python,
            "-c",
            "import importlib.util as u; print([m for m in ('pytest', 'mypy', 'playwright') if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    command = subprocess.run(  # noqa: S603
        [checkout / ".venv" / "bin" / "user-service", "--help"], capture_output=True, text=True, check=False
    )

    assert "mutation Register" in page  # GraphiQL, opening on this service's example
    assert tools.stdout.strip() == "[]"  # no test, type-checking or browser tooling in a serving virtualenv
    # The only warnings: the development secret and Fernet key (for the first signing key) were generated.
    development = ("WARNING settings: JWT_SECRET", "WARNING settings: TOTP_ENCRYPTION_KEY")
    assert "WARNING" not in before_serving.replace(development[0], "").replace(development[1], "")
    # What make and pip print, not the server's own log lines (one per migration applied, and so on).
    installing = [line for line in before_serving.splitlines() if not re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert len(installing) <= 5, before_serving
    assert "links in mails open the front end: VERIFY_EMAIL_URL http://localhost:5173/" in output
    assert command.returncode == 0 and "export-schema" in command.stdout


def _wait_for_graphiql(url: str, make: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert make.poll() is None, log.read_text(errors="replace")
        try:
            answer = httpx.get(url, headers={"Accept": "text/html"}, timeout=2)
            if answer.status_code == 200:
                return answer.text
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"make run did not serve GraphiQL:\n{log.read_text(errors='replace')}")


def test_python_main_py_outside_the_virtualenv_says_how_to_run_it() -> None:
    # -S: the interpreter without its site-packages, as the system's python3 is without the server's packages.
    result = subprocess.run(
        [sys.executable, "-S", "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 1
    assert "`make run` installs them into .venv" in result.stderr
    assert "`.venv/bin/python main.py ...`" in result.stderr
    assert "Traceback" not in result.stderr
