"""GraphQL documents and helpers for the data-export tests ("download my data")."""

from __future__ import annotations

import io
import zipfile

from tests.support import Account, Api, Result

REQUEST_EXPORT = "mutation Request { requestDataExport { id status requestedAt readyAt expiresAt size downloadUrl } }"
DATA_EXPORTS = "query Exports { dataExports { id status requestedAt readyAt expiresAt size downloadUrl } }"


async def request_export(api: Api, account: Account) -> Result:
    return await api.execute(REQUEST_EXPORT, token=account.token)


async def exports_of(api: Api, account: Account) -> list[dict[str, object]]:
    result = await api.execute(DATA_EXPORTS, token=account.token)
    assert not result.errors, result.body
    return list(result.data["dataExports"])


def unzipped(data: bytes) -> dict[str, bytes]:
    """Every file of a zip archive, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
