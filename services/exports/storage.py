"""Where export archives are kept: one factory, a folder on disk (EXPORTS_ROOT) or an S3-compatible bucket
(EXPORTS_S3_BUCKET), which every instance reads, so any of them serves an archive another one built.

Archives hold everything about an account, so they are never in a folder the server (or a CDN) serves as
static files, nor given a public URL in a bucket: objects are written private (no ACL, ``private, no-store``)
and only ``GET /exports/{id}`` (web/exports.py) hands one out, to its owner, reading it through this store.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from services.media.s3 import PRIVATE, S3Storage
from services.media.storage import DiskStorage, Storage
from settings import Settings

CONTENT_TYPE = "application/zip"


def exports_folder(settings: Settings) -> Path:
    """EXPORTS_ROOT, else the ``exports`` folder of DATA_DIR."""
    return settings.exports_root if settings.exports_root is not None else settings.data_dir / "exports"


def export_storage(settings: Settings) -> Storage:
    """The private store of export archives (one per settings object: an S3 client is made once)."""
    return _storage(settings)


@cache
def _storage(settings: Settings) -> Storage:
    if settings.exports_s3_bucket:
        return S3Storage(
            settings, bucket=settings.exports_s3_bucket, prefix=settings.exports_s3_prefix, cache_control=PRIVATE
        )
    return DiskStorage(exports_folder(settings))
