"""`python main.py --help` lists every command and every environment variable as settings declares it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_commands_and_every_environment_variable() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )

    assert "serve" in result.stdout and "export-schema" in result.stdout
    for variable in settings.VARIABLES:
        assert f"  {variable.name}  " in result.stdout


def _readme_rows() -> dict[str, tuple[str, str]]:
    """README's configuration table: variable -> (default, meaning), as a reader sees them."""
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if line.startswith("| `") and len(cells) == 3:  # the table's rows, not an indented one of a list
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_help_shows_each_variable_with_its_declared_meaning_and_default() -> None:
    """The declaration, README's table and --help say the same thing about every setting."""
    result = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    help_lines = {
        line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ") and line.split()
    }
    declared = settings.Settings.__pydantic_fields__  # type: ignore[attr-defined]
    defaults = settings.Settings(jwt_secret="x" * 32)
    readme = _readme_rows()

    assert list(readme) == [name.upper() for name in declared]
    for attribute, field in declared.items():
        name = attribute.upper()
        default, meaning = readme[name]
        assert meaning == field.description, name
        value = getattr(defaults, attribute)
        if default.startswith("`"):  # a literal default: the declared one
            assert default.strip("`") == (str(value).lower() if isinstance(value, bool) else str(value)), name
        line = help_lines[name]
        assert meaning.replace("`", "") in line, name
        assert f"(default: {default.replace('`', '')})" in line, name
