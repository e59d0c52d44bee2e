"""The only package that reads the environment.

Every setting is declared once, as a field of :class:`Settings` (pydantic-settings): its type,
default, bounds and description. The fields live by concept in mixins (``settings/server.py``,
``tokens.py``, ``mail.py``, ...) that ``settings/composed.py`` composes into ``Settings``, with the
rules between settings (production needs a JWT secret and a mail server). ``Settings.from_environ()``
reads each from the variable of the same name in upper case (an empty variable counts as unset;
``settings/environment.py``). ``python main.py --help`` and README's configuration table are rendered
from the same declarations (``settings/docs.py``). Tests build ``Settings`` directly, from their own
values only: it never reads the environment then.

A new capability adds a module here with its mixin, and one base in ``settings/composed.py``.
"""

from __future__ import annotations

from settings.composed import Settings
from settings.docs import VARIABLES, Variable, help_table, markdown_table
from settings.errors import SettingsError
from settings.fields import MIN_SECRET_BYTES
from settings.local_secrets import SECRET_FILE_NAME, TOTP_KEY_FILE_NAME
from settings.mail import NO_MAIL_SERVER
from settings.providers import OidcProvider

__all__ = [
    "MIN_SECRET_BYTES",
    "NO_MAIL_SERVER",
    "SECRET_FILE_NAME",
    "TOTP_KEY_FILE_NAME",
    "VARIABLES",
    "OidcProvider",
    "Settings",
    "SettingsError",
    "Variable",
    "help_table",
    "markdown_table",
]
