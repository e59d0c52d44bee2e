"""The test tiers, applied here and only here (a pytest plugin loaded by tests/conftest.py).

- ``domain``: rules and services called directly, no HTTP (``tests/unit/``, ``tests/domain/``); seconds.
- ``http``: GraphQL over HTTP against the ASGI app, in this process (``tests/e2e/``).
- ``processes``: starts real processes: ``python main.py`` (a command or a server) or a browser. Three
  kinds also carry a marker of their own: ``servers`` (kills and stops real servers), ``multi`` (two
  servers sharing one PostgreSQL database) and ``browser`` (headless Chromium).

A test is in the tier of its folder, unless it is listed in ``PROCESSES``. A test outside that list
that starts a process fails and says to list it, so ``-m "not processes"`` stays fast and true.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
FOLDERS = {"unit": "domain", "domain": "domain", "graphql": "http"}

# Modules, or single tests ("module::function"), that start processes; the value is the narrower marker.
PROCESSES: dict[str, str | None] = {
    "processes/test_browser.py": "browser",
    "processes/test_durability.py": "servers",
    "processes/test_mail_durability.py": "servers",
    "processes/test_instances.py": "multi",
    "processes/test_proxy_headers.py": "servers",
    "processes/test_bench.py": None,
    "processes/test_client.py": None,
    "processes/test_logs.py": None,
    "processes/test_uvicorn_command.py": None,
    "graphql/test_server.py::test_production_without_a_secret_refuses_to_start_with_a_clear_message": None,
    "graphql/test_server.py::test_short_secret_refuses_to_start": None,
    "graphql/test_admin.py::test_create_admin_promotes_an_existing_user": None,
    "graphql/test_admin.py::test_create_admin_for_an_unknown_user_fails_clearly": None,
    "graphql/test_migrations.py::test_production_refuses_to_start_until_migrate_has_run": None,
    "graphql/test_migrations.py::test_migrate_with_an_unreachable_database_says_so": None,
    "graphql/test_recount.py::test_the_command_prints_what_it_fixed": None,
    "graphql/test_recount.py::test_a_database_error_exits_non_zero": None,
    "graphql/test_purge.py::test_the_purge_command_prunes_old_security_events": None,
    "graphql/test_purge.py::test_the_purge_command_deletes_accounts_past_the_restore_window": None,
    "graphql/test_metrics.py::test_two_workers_add_up_in_every_answer": "servers",
    "graphql/test_persisted_queries.py::test_python_main_refuses_to_start_with_a_bad_manifest": None,
    "graphql/test_persisted_queries.py::test_apollo_clients_persisted_query_link_works_unchanged": None,
    "graphql/test_persisted_queries.py::test_apollo_clients_run_a_document_the_server_will_not_store": None,
    "graphql/test_two_factor.py::test_disable_2fa_command": None,
    "unit/test_docs.py::test_help_lists_the_commands_and_every_environment_variable": None,
    "unit/test_docs.py::test_help_shows_each_variable_with_its_declared_meaning_and_default": None,
}

NARROWER = ("servers", "multi", "browser")
MARKERS = {
    "domain": "rules and services called directly, no HTTP (tests/unit/, tests/domain/)",
    "http": "GraphQL over HTTP against the ASGI app in this process (tests/e2e/)",
    "processes": "starts real processes: python main.py (a command or a server) or a browser",
    "servers": "starts real server processes and signals them (SIGKILL, SIGTERM)",
    "multi": "starts two real server processes sharing one PostgreSQL database (needs TEST_POSTGRES_URL)",
    "browser": "drives GraphiQL in headless Chromium (skipped, saying why, without Chromium)",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


def tier_markers(relative: str, function: str) -> list[str]:
    """The markers of the test ``function`` in the module ``relative`` to tests/ (e.g. "graphql/test_x.py")."""
    for key in (f"{relative}::{function}", relative):
        if key in PROCESSES:
            narrower = PROCESSES[key]
            return ["processes"] + ([narrower] if narrower else [])
    folder = relative.split("/", 1)[0]
    return [FOLDERS.get(folder, "http")]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        relative = item.path.resolve().relative_to(TESTS).as_posix()
        function = getattr(item, "originalname", item.name)
        markers = tier_markers(relative, function)
        if "processes" not in markers and any(item.get_closest_marker(kind) for kind in NARROWER):
            markers = ["processes"]  # marked servers, multi or browser where it is written: still this tier
        for marker in markers:
            item.add_marker(marker)


@pytest.fixture(autouse=True)
def _processes_only_where_listed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Outside the ``processes`` tier, starting a process fails the test and says where to list it."""
    if request.node.get_closest_marker("processes") is None:
        name = request.node.nodeid

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError(f"{name} starts a process: list it in PROCESSES in tests/tiers.py")

        monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    yield
