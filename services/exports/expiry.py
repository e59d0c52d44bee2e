"""Exports past their DATA_EXPORT_DAYS: their files are deleted and they are marked expired; exports of deleted
accounts: their files and rows are deleted (the maintenance loop).

The file goes first, then the row is marked by a conditional UPDATE: instances running this at once delete the
file twice (harmless) and mark the row once; one that dies between the two leaves a ready row without a file,
which downloads answer as expired, and which the next run marks.
"""

from __future__ import annotations

from models import DataExport
from services.exports import queue
from services.exports.storage import export_storage
from settings import Settings

BATCH = 500


async def expire(settings: Settings) -> int:
    """Expire every export past its time, and forget those of deleted accounts; how many this run did."""
    storage = export_storage(settings)
    moment = queue.now()
    due = (
        await DataExport.filter(status=queue.READY, expires_at__lte=moment)
        .limit(BATCH)
        .values_list("id", "storage_key")
    )
    marked = 0
    for export_id, key in due:
        if key:
            await storage.delete(key)
        marked += await DataExport.filter(id=export_id, status=queue.READY).update(
            status=queue.EXPIRED, storage_key=None
        )
    return marked + await _forget_deleted_accounts(settings)


async def _forget_deleted_accounts(settings: Settings) -> int:
    """The exports of accounts deleted since (their ``user_id`` is null): files first, then rows."""
    storage = export_storage(settings)
    orphans = await DataExport.filter(user_id=None).limit(BATCH).values_list("id", "storage_key")
    removed = 0
    for export_id, key in orphans:
        if key:
            await storage.delete(key)
        removed += await DataExport.filter(id=export_id).delete()
    return removed
