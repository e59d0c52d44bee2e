"""The environment variables are listed once, in settings.VARIABLES; README and --help must show them all."""

from __future__ import annotations

import subprocess
import sys
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


def test_help_lists_the_commands_and_every_environment_variable() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )

    assert "serve" in result.stdout and "export-schema" in result.stdout
    for variable in settings.VARIABLES:
        assert f"  {variable.name}  " in result.stdout


def test_readme_throttling_table_is_the_one_the_rules_render() -> None:
    readme = (ROOT / "README.md").read_text()
    table = "\n".join("  " + line for line in throttle.markdown_table().splitlines())

    assert table in readme, (
        "README's throttling table is stale: replace it with the output of "
        "`python -c 'from services import throttle; print(throttle.markdown_table())'`, indented two spaces"
    )
