"""The reading of the environment: pydantic-settings' parsing of the variables, and its verdict in the
operator's terms. ``Settings.from_environ`` (settings/composed.py) is its one caller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars


def read(settings_class: type[BaseSettings], environ: Mapping[str, str]) -> dict[str, Any]:
    """pydantic-settings' reading of the variables (any case, empty is unset, lists as words) from ``environ``:
    ``os.environ`` for the server, a dict for a test."""
    source = EnvSettingsSource(settings_class)
    source.env_vars = parse_env_vars(environ, source.case_sensitive, source.env_ignore_empty, source.env_parse_none_str)
    return source()


def explain(settings_class: type[BaseSettings], error: ValidationError) -> str:
    """pydantic's verdict, in the operator's terms: the variable's name and what it must be. A secret's
    value is never repeated."""
    problems = []
    for detail in error.errors():
        message = detail["msg"].removeprefix("Value error, ")
        if not detail["loc"]:  # a rule between settings: its message names the variables
            problems.append(message)
            continue
        field = str(detail["loc"][0])
        fields = settings_class.model_fields
        shown = fields[field].repr if field in fields else False
        problems.append(f"{field.upper()}: {message}" + (f" (got {detail.get('input')!r})" if shown else ""))
    return "; ".join(problems)
