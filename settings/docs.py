"""The settings as the docs show them: README's configuration table and ``python main.py --help``, both
rendered from the fields' declarations."""

from __future__ import annotations

from dataclasses import dataclass

from settings.composed import Settings


@dataclass(frozen=True)
class Variable:
    """One environment variable, as the docs show it."""

    name: str
    attribute: str
    documented_default: str
    meaning: str


def _documented_default(default: object, shown: str) -> str:
    if shown:
        return shown
    if default in ("", (), None):
        return "none"
    text = str(default).lower() if isinstance(default, bool) else str(default)
    return f"`{text}`"


def _variable(attribute: str) -> Variable:
    info = Settings.model_fields[attribute]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    shown = _documented_default(info.default, str(extra.get("shown") or ""))
    return Variable(attribute.upper(), attribute, shown, info.description or "")


VARIABLES = tuple(_variable(attribute) for attribute in Settings.model_fields)


def markdown_table() -> str:
    """README's configuration table."""
    rows = [f"| `{v.name}` | {v.documented_default} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(["| variable | default | meaning |", "| --- | --- | --- |", *rows])


def help_table() -> str:
    """The environment variables, for ``python main.py --help``."""
    width = max(len(v.name) for v in VARIABLES)
    return "\n".join(
        f"  {v.name:<{width}}  {v.meaning.replace('`', '')} (default: {v.documented_default.replace('`', '')})"
        for v in VARIABLES
    )
