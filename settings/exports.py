"""Data exports ("download my data"): where archives are kept (disk or S3) and how long, and how they are built."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from settings.fields import Whole

EXPORTS_IN_PUBLIC_BUCKET = (
    "EXPORTS_S3_BUCKET is MEDIA_S3_BUCKET, whose pictures MEDIA_BASE_URL reads straight from the bucket (or its "
    "CDN): keep data exports in a bucket no one reads from, or unset MEDIA_BASE_URL."
)


class DataExportSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    exports_root: Path | None = Field(
        None,
        description="folder where data-export archives are kept; never served as static files (only "
        "`/exports/{id}` hands one out, to its owner)",
        json_schema_extra={"shown": "folder `exports` in `DATA_DIR`"},
    )
    exports_s3_bucket: str = Field(
        "",
        description="keep data-export archives in this private S3-compatible bucket instead of EXPORTS_ROOT, so "
        "any instance serves an archive another built; the store's address, region and credentials are the "
        "MEDIA_S3_ ones; archives get no public URL",
    )
    exports_s3_prefix: str = Field(
        "",
        description="a folder in EXPORTS_S3_BUCKET for the archives' keys, e.g. `exports/`",
        pattern=r"^([A-Za-z0-9_-][A-Za-z0-9._-]{0,63}/){0,4}$",
    )
    data_export_days: Whole = Field(
        7, description="days a data export (and its mailed link) can be downloaded; then its file is deleted", ge=1
    )
    data_export_lease_seconds: Whole = Field(
        600,
        description="how long a builder holds an export it took; one that dies leaves it to be built again after",
        ge=1,
    )
    data_export_max_attempts: Whole = Field(
        5, description="tries to build a data export before it is marked failed", ge=1
    )
    data_export_poll_seconds: Whole = Field(
        10, description="how often the export builder looks for exports requested on other instances", ge=1
    )
