"""Where profile pictures live and the address they are read from: MEDIA_S3_BUCKET's bucket when set, else
the folder MEDIA_ROOT (default DATA_DIR/media) that the app serves at /media (web/media.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from services.media.s3 import S3Storage
from services.media.storage import DiskStorage, Storage
from settings import Settings

MEDIA_PATH = "/media"


def media_root(settings: Settings) -> Path:
    return settings.media_root or settings.data_dir / "media"


def storage_for(settings: Settings) -> Storage:
    """The pictures' storage for ``settings`` (one per settings object: the S3 client is made once)."""
    return _storage(settings)


@cache
def _storage(settings: Settings) -> Storage:
    if settings.media_s3_bucket:
        return S3Storage(settings, bucket=settings.media_s3_bucket, prefix=settings.media_s3_prefix)
    return DiskStorage(media_root(settings))


def base_url(settings: Settings, request_base: str) -> str:
    """MEDIA_BASE_URL; else PUBLIC_URL + /media; else this request's own address + /media (``request_base``)."""
    if settings.media_base_url:
        return settings.media_base_url
    return (settings.public_url or request_base.rstrip("/")) + MEDIA_PATH
