"""Data exports ("download my data"): ask for one, list one's own."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.data_exports import DataExport
from services.exports import queue, requests


def _base_url(context: Context) -> str:
    """PUBLIC_URL, or the address this request came to."""
    return (context.settings.public_url or str(context.request.base_url)).removesuffix("/")


@strawberry.type
class DataExportQuery:
    @strawberry.field(
        permission_classes=Auth,
        description="The caller's data exports, newest first (the last 20). Needs a token. Errors: UNAUTHENTICATED "
        "(no, malformed, expired or revoked token).",
    )
    async def data_exports(self, info: Info[Context, Any]) -> list[DataExport]:
        context = info.context
        user = await context.require_user()
        base, now = _base_url(context), queue.now()
        return [DataExport.from_model(export, base_url=base, now=now) for export in await requests.list_of(user=user)]


@strawberry.type
class DataExportMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Ask for a copy of everything the server holds about the caller's account (see README, "
        "Download my data). It is built in the background; when it is ready the account's email address gets a "
        "mail with a download link that works once, for DATA_EXPORT_DAYS (7 days by default), and dataExports "
        "shows its downloadUrl. Once a day: a second request within a day of the last one (unless that one "
        "failed) answers TOO_MANY_REQUESTS with extensions.reason EXPORT_TOO_SOON, extensions.retryAfter (seconds) "
        "and extensions.nextPossibleAt. Needs a token. Errors: UNAUTHENTICATED (no, malformed, expired or revoked "
        "token), TOO_MANY_REQUESTS (an export was asked for within the last day).",
    )
    async def request_data_export(self, info: Info[Context, Any]) -> DataExport:
        context = info.context
        user = await context.require_user()
        base = _base_url(context)
        export = await requests.request_export(user=user, link_base=base)
        return DataExport.from_model(export, base_url=base, now=queue.now())
