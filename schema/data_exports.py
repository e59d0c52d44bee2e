"""Output types of data exports ("download my data")."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from models import DataExport as ExportModel
from services.exports import queue


@strawberry.enum(description="Where a data export is.")
class DataExportStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Asked for; waiting for a builder.")
    BUILDING = strawberry.enum_value(
        "building", description="Being built (or being built again, after a try that failed)."
    )
    READY = strawberry.enum_value("ready", description="Built: downloadUrl hands it out until expiresAt.")
    FAILED = strawberry.enum_value(
        "failed", description="Could not be built (DATA_EXPORT_MAX_ATTEMPTS tries); it does not count as the day's."
    )
    EXPIRED = strawberry.enum_value("expired", description="Past expiresAt: its file is deleted.")


@strawberry.type(
    description="A copy of everything the server holds about the caller's account, as a zip of JSON and CSV files "
    "(see README, Download my data)."
)
class DataExport:
    id: strawberry.ID = strawberry.field(description="The export's id, as in its download address.")
    status: DataExportStatus = strawberry.field(description="Where it is.")
    requested_at: datetime = strawberry.field(description="When it was asked for, UTC.")
    ready_at: datetime | None = strawberry.field(description="When it was built, UTC; null before.")
    expires_at: datetime | None = strawberry.field(
        description="When its file is deleted (DATA_EXPORT_DAYS after readyAt, 7 days by default), UTC; null before "
        "it is ready."
    )
    size: int | None = strawberry.field(description="The archive's size in bytes; null before it is ready.")
    download_url: str | None = strawberry.field(
        description="While it is ready: its address, to fetch with GET and the caller's access token in "
        "'Authorization: Bearer' (as often as needed until expiresAt); null otherwise. The link mailed when it "
        "was built works once, without a token."
    )

    @classmethod
    def from_model(cls, export: ExportModel, *, base_url: str, now: datetime) -> DataExport:
        ready = export.status == queue.READY
        expired = export.status == queue.EXPIRED or (
            ready and export.expires_at is not None and export.expires_at <= now
        )
        status = DataExportStatus.EXPIRED if expired else DataExportStatus(export.status)
        return cls(
            id=strawberry.ID(str(export.id)),
            status=status,
            requested_at=export.requested_at,
            ready_at=export.ready_at,
            expires_at=export.expires_at,
            size=export.size,
            download_url=f"{base_url}/exports/{export.id}" if status is DataExportStatus.READY else None,
        )
