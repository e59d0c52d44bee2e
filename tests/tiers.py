"""The test tiers, applied here and only here (a pytest plugin loaded by tests/conftest.py).

The tier is the folder a test lives in, so ``pytest -m MARKER`` and ``pytest tests/FOLDER`` select the same tests:

- ``domain``: rules and services called directly, no HTTP (``tests/unit/``, ``tests/domain/``); seconds.
- ``http``: GraphQL over HTTP against the ASGI app, in this process (``tests/graphql/``).
- ``processes``: starts real processes: ``python main.py`` (a command or a server) or a browser
  (``tests/processes/``). Three kinds also carry a marker of their own, written in the module
  (``pytestmark``) or on the test: ``servers`` (kills and stops real servers), ``multi`` (two servers
  sharing one PostgreSQL database) and ``browser`` (headless Chromium).

A test outside tests/processes/ that starts a process fails and says to move it there, so
``-m "not processes"`` (``make test-fast``) stays fast and true.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
FOLDERS = {"unit": "domain", "domain": "domain", "graphql": "http", "processes": "processes"}
PROCESSES = "processes"

NARROWER = ("servers", "multi", "browser")
MARKERS = {
    "domain": "rules and services called directly, no HTTP (tests/unit/, tests/domain/)",
    "http": "GraphQL over HTTP against the ASGI app in this process (tests/graphql/)",
    "processes": "starts real processes: python main.py (a command or a server) or a browser (tests/processes/)",
    "servers": "starts real server processes and signals them (SIGKILL, SIGTERM)",
    "multi": "starts two real server processes sharing one PostgreSQL database (needs TEST_POSTGRES_URL)",
    "browser": "drives GraphiQL in headless Chromium (skipped, saying why, without Chromium)",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


def tier_of(relative: str) -> str:
    """The tier (marker) of the test module ``relative`` to tests/ (e.g. "graphql/test_x.py"): its folder's."""
    folder = relative.split("/", 1)[0]
    if folder not in FOLDERS:
        raise pytest.UsageError(
            f"tests/{relative}: a test lives in one of the tier folders tests/{{{','.join(FOLDERS)}}}/"
        )
    return FOLDERS[folder]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item.path.resolve().relative_to(TESTS).as_posix())
        marked = [kind for kind in (PROCESSES, *NARROWER) if item.get_closest_marker(kind)]
        if marked and tier != PROCESSES:
            raise pytest.UsageError(f"{item.nodeid} is marked {marked[0]}: move it to tests/processes/")
        item.add_marker(tier)


@pytest.fixture(autouse=True)
def _processes_only_in_their_folder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Outside tests/processes/, starting a process fails the test and says where it belongs."""
    if request.node.get_closest_marker(PROCESSES) is None:
        name = request.node.nodeid

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError(f"{name} starts a process: move it to tests/processes/")

        monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    yield
