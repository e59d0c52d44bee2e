"""Development-only secrets: generated once and kept (mode 0600) in the data folder, so that a server
started without JWT_SECRET or TOTP_ENCRYPTION_KEY outside production still runs, with the same secret on
every start and in every worker."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from settings.errors import SettingsError
from settings.fields import FERNET_KEY_BYTES, MIN_SECRET_BYTES

log = logging.getLogger("settings")

SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 - a file name
TOTP_KEY_FILE_NAME = "totp-key"


def _new_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(FERNET_KEY_BYTES)).decode("ascii")


def local_secret(
    data_dir: Path,
    file_name: str = SECRET_FILE_NAME,
    generate: Callable[[], str] = _new_jwt_secret,
    variable: str = "JWT_SECRET",
) -> str:
    """A development-only secret, generated once and kept (mode 0600) under ``data_dir``."""
    path = data_dir / file_name
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _publish_new_secret(path, generate, variable)
    secret = path.read_text().strip()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes; delete it.")
    return secret


def _publish_new_secret(path: Path, generate: Callable[[], str], variable: str) -> None:
    """Write the secret to a private temporary file, then link it into place.

    The link is atomic and fails if the file exists, so workers starting together all end up
    reading one complete secret.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate() + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return
    finally:
        os.unlink(temporary)
    log.warning(
        "%s is not set: generated a development secret in %s. Set %s (and APP_ENV=production) before deploying.",
        variable,
        path,
        variable,
    )
