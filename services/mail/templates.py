"""Mail templates: a subject, a plain-text and an HTML body per mail, rendered with Jinja2.

The built-in templates live in ``services/mail/templates/``; a file of the same name in
MAIL_TEMPLATES_DIR replaces one. HTML is autoescaped, plain text is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape

TEMPLATES = (
    "verify_email",
    "reset_password",
    "email_changed",
    "password_changed",
    "two_factor_enabled",
    "two_factor_disabled",
    "recovery_code_used",
    "sign_in_code",
    "passkey_added",
    "passkey_removed",
    "data_export_ready",
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=4)
def _environment(override: Path | None) -> Environment:
    loaders: list[FileSystemLoader | PackageLoader] = [PackageLoader("services.mail", "templates")]
    if override is not None:
        loaders.insert(0, FileSystemLoader(override))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,  # a template naming a value the mail lacks fails, and the mail is retried
        keep_trailing_newline=True,
    )


def render(template: str, data: dict[str, object], *, override: Path | None = None) -> Rendered:
    environment = _environment(override)

    def one(suffix: str) -> str:
        return environment.get_template(f"{template}.{suffix}").render(data)

    return Rendered(subject=" ".join(one("subject").split()), text=one("txt"), html=one("html"))
