"""Data exports ("download my data"): where archives are kept and how long, and how they are built."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from settings.fields import Whole


class DataExportSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    exports_root: Path | None = Field(
        None,
        description="folder where data-export archives are kept; never served as static files (only "
        "`/exports/{id}` hands one out, to its owner)",
        json_schema_extra={"shown": "folder `exports` in `DATA_DIR`"},
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
