"""Handing out an archive: with the mailed link's one-time token, or to its signed-in owner.

Refusals are AccountErrors with a ``reason``. A token is checked before anything about the export is told: an
unknown export and a wrong token are one answer (EXPORT_LINK_INVALID), reached by the same work (one read by id,
one keyed hash and one constant-time comparison, against a stand-in hash when there is no such export).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import ClassVar

from models import DataExport, User
from services.errors import AccountError
from services.exports import queue
from services.exports.storage import export_storage
from settings import Settings

MAX_TOKEN_LENGTH = 256
MAX_ID = 2**63 - 1
STAND_IN = "0" * 64  # compared against when there is no export: the same work as a wrong token


class Refusal(AccountError):
    """A download refused: ``code`` says how (NOT_FOUND, GONE, CONFLICT), ``reason`` why."""

    reason: ClassVar[str] = ""

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": self.reason}


class LinkInvalid(Refusal):
    code = "NOT_FOUND"
    reason = "EXPORT_LINK_INVALID"


class ExportNotFound(Refusal):
    code = "NOT_FOUND"
    reason = "EXPORT_NOT_FOUND"


class LinkUsed(Refusal):
    code = "GONE"
    reason = "EXPORT_LINK_USED"


class Expired(Refusal):
    code = "GONE"
    reason = "EXPORT_EXPIRED"


class NotReady(Refusal):
    code = "CONFLICT"
    reason = "EXPORT_NOT_READY"


INVALID = "This download link is unknown or wrong."
USED = "This download link was used already; sign in and download the export from dataExports."
EXPIRED = "This export has expired and its file is deleted; ask for a new one."
NOT_READY = "This export is not ready yet; its owner gets a mail when it is."
NOT_FOUND = "You have no export with this id."


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str


def _id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None


def _filename(export: DataExport) -> str:
    day = export.requested_at.strftime("%Y-%m-%d")
    return f"data-export-{export.id}-{day}.zip"


async def _file(export: DataExport, settings: Settings) -> Download:
    data = await export_storage(settings).get(export.storage_key) if export.storage_key else None
    if data is None:
        raise Expired(EXPIRED)
    return Download(data=data, filename=_filename(export))


def _check_fresh(export: DataExport) -> None:
    if export.status == queue.EXPIRED or (
        export.status == queue.READY and export.expires_at is not None and export.expires_at <= queue.now()
    ):
        raise Expired(EXPIRED)
    if export.status != queue.READY:
        raise NotReady(NOT_READY)


async def with_token(export_id: str, token: str, *, settings: Settings) -> Download:
    """The archive behind a mailed link; the token is spent (single use) by one conditional UPDATE."""
    number = _id(export_id)
    text = token if 0 < len(token) <= MAX_TOKEN_LENGTH else ""
    export = await DataExport.filter(id=number).first() if number is not None else None
    presented = queue.digest(text, settings)
    if not hmac.compare_digest(presented, (export.token_hash if export else None) or STAND_IN) or not text:
        raise LinkInvalid(INVALID)
    assert export is not None  # noqa: S101 - the hash matched a row's
    if export.user_id is None:  # the account was deleted: its file goes with the next clean-up
        raise Expired(EXPIRED)
    _check_fresh(export)
    if export.token_used_at is not None:
        raise LinkUsed(USED)
    moment = queue.now()
    spent = await DataExport.filter(id=export.id, status=queue.READY, token_used_at=None, expires_at__gt=moment).update(
        token_used_at=moment
    )
    if not spent:
        raise LinkUsed(USED)  # another request spent it a moment ago (or it expired that moment)
    return await _file(export, settings)


async def for_owner(export_id: str, *, user: User, settings: Settings) -> Download:
    """The archive for its signed-in owner, as often as they like while it lasts."""
    number = _id(export_id)
    export = await DataExport.filter(id=number, user_id=user.id).first() if number is not None else None
    if export is None:
        raise ExportNotFound(NOT_FOUND)
    _check_fresh(export)
    return await _file(export, settings)
