"""The background builder: started in the server's lifespan beside the mail sender, it builds the exports the
queue holds (services/exports/queue.py).

It wakes when this process takes a request and otherwise looks every DATA_EXPORT_POLL_SECONDS, which also picks
up exports requested on other instances and the ones a dead builder left behind. A build reads the account,
zips it in a thread, writes the archive whole into private storage under a new key, and only then, in one
transaction, marks the row ready (if it is still this builder's claim) and writes the owner's mail with the
one-time link. A reader never sees half an archive: before that commit there is no key to read.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from models import DataExport, User
from services import background
from services.deadlocks import again_on_deadlock
from services.exports import contents, queue
from services.exports.storage import CONTENT_TYPE, export_storage
from services.mail import outbox
from services.media.profile_images import original_image
from services.media.storage import Storage
from services.transactions import transaction
from settings import Settings

BATCH = 2  # archives are large: a few at a time
STOP_GRACE_SECONDS = 5  # a build still running after this is cancelled; its lease brings it back later
TOKEN_BYTES = 32
TEMPLATE = "data_export_ready"

log = logging.getLogger("app.exports")


def download_path(export_id: int) -> str:
    return f"/exports/{export_id}"


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


class Builder:
    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.settings = settings
        self.storage = storage if storage is not None else export_storage(settings)
        self._wake = asyncio.Event()
        self._stopping = False

    async def build_due(self) -> int:
        """Claim and build one batch of due exports; how many were claimed."""
        claimed = await queue.claim(limit=BATCH, settings=self.settings)
        for export in claimed:
            await self.build(export)
        return len(claimed)

    async def build(self, export: DataExport) -> bool:
        """Build one claimed export; whether it is ready now (False: the try failed, or the claim was lost)."""
        try:
            key, size, user = await self._write(export)
        except Exception as exc:  # the database or the disk failed: tried again once the lease runs out
            await queue.failed(export, f"{type(exc).__name__}: {exc}")
            return False
        if user is None:
            return False
        try:
            ready = await again_on_deadlock(lambda: self._ready(export, user, key=key, size=size))
        except Exception as exc:
            await self.storage.delete(key)
            await queue.failed(export, f"{type(exc).__name__}: {exc}")
            return False
        if not ready:
            await self.storage.delete(key)  # another builder took it over meanwhile: its archive is the one
            return False
        log.info("data_export_ready id=%s bytes=%s", export.id, size)
        return True

    async def _write(self, export: DataExport) -> tuple[str, int, User | None]:
        user = await User.filter(id=export.user_id).first() if export.user_id is not None else None
        if user is None:  # deleted meanwhile: the clean-up deletes the export
            return "", 0, None
        moment = queue.now()
        picture = await original_image(user.id, self.settings)
        files = await contents.gather(user, source=export.link_base, exported_at=moment, picture=picture)
        data = await asyncio.to_thread(contents.archive, files, made_at=moment)
        # A new key per try: a slow builder's late write can never replace or half-replace another's.
        key = f"{export.user_id}/{export.id}-{secrets.token_hex(16)}.zip"
        await self.storage.put(key, data, content_type=CONTENT_TYPE)
        return key, len(data), user

    async def _ready(self, export: DataExport, user: User, *, key: str, size: int) -> bool:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        moment = queue.now()
        async with transaction():
            done = await DataExport.filter(queue.still_mine(export)).update(
                status=queue.READY,
                storage_key=key,
                size=size,
                ready_at=moment,
                expires_at=moment + timedelta(days=self.settings.data_export_days),
                token_hash=queue.digest(token, self.settings),
                token_used_at=None,
                last_error=None,
            )
            if done and user.email:
                link = f"{export.link_base}{download_path(export.id)}?token={token}"
                await outbox.enqueue(
                    template=TEMPLATE,
                    to=user.email,
                    data={
                        "user_name": user.user_name,
                        "link": link,
                        "valid_for": _days(self.settings.data_export_days),
                    },
                )
        return bool(done)

    async def run(self) -> None:
        queue.listen(self._wake)
        try:
            await background.poll(
                due=self.build_due,
                batch=BATCH,
                wake=self._wake,
                poll_seconds=self.settings.data_export_poll_seconds,
                stopping=lambda: self._stopping,
                error="data_export_builder_error",
                logger=log,
            )
        finally:
            queue.forget(self._wake)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


@asynccontextmanager
async def running(settings: Settings, storage: Storage | None = None) -> AsyncIterator[Builder]:
    """A builder running in this event loop for the duration of the block, stopped cleanly after it."""
    late = "data_export_builder_stopped_mid_build"
    worker = Builder(settings, storage)
    async with background.running(
        worker, name="data-export-builder", grace=STOP_GRACE_SECONDS, late=late, logger=log
    ) as builder:
        yield builder
