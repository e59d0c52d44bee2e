"""The environment variables are listed once, in settings.VARIABLES; README must show them all
(--help: tests/processes/test_help.py)."""

from __future__ import annotations

from pathlib import Path

import settings
from services import throttle

ROOT = Path(__file__).resolve().parents[2]


def test_readme_configuration_table_is_the_one_settings_renders() -> None:
    readme = (ROOT / "README.md").read_text()

    assert settings.markdown_table() in readme, (
        "README's configuration table is stale: replace it with the output of "
        "`python -c 'import settings; print(settings.markdown_table())'`"
    )


def test_readme_throttling_table_is_the_one_the_rules_render() -> None:
    readme = (ROOT / "README.md").read_text()
    table = "\n".join("  " + line for line in throttle.markdown_table().splitlines())

    assert table in readme, (
        "README's throttling table is stale: replace it with the output of "
        "`python -c 'from services import throttle; print(throttle.markdown_table())'`, indented two spaces"
    )
