"""Where export archives are kept: one factory, so another store (S3) can be plugged in here alone.

Archives hold everything about an account, so they are never in a folder the server (or a CDN) serves as
static files: only ``GET /exports/{id}`` (web/exports.py) hands one out, to its owner.
"""

from __future__ import annotations

from pathlib import Path

from services.media.storage import DiskStorage, Storage
from settings import Settings

CONTENT_TYPE = "application/zip"


def exports_folder(settings: Settings) -> Path:
    """EXPORTS_ROOT, else the ``exports`` folder of DATA_DIR."""
    return settings.exports_root if settings.exports_root is not None else settings.data_dir / "exports"


def export_storage(settings: Settings) -> Storage:
    """The private store of export archives: a folder on disk (EXPORTS_ROOT)."""
    return DiskStorage(exports_folder(settings))
