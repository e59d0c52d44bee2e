"""Data exports in an S3-compatible bucket (EXPORTS_S3_BUCKET): one instance builds the archive into the bucket,
another one, with its own disk, serves it at /exports/{id}; the object is private and no answer points at the
bucket; the clean-up deletes it from the bucket when it expires. Against moto's S3 server process on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from main import create_app
from models import DataExport
from services import maintenance
from services.exports import builder
from settings import Settings
from tests.support import Api, replace
from tests.support.exports import exports_of, request_export, unzipped
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, S3Server, s3_server

PREFIX = "exports/"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


def instance(settings: Settings, s3: S3Server, data_dir: Path) -> Settings:
    """An instance's settings: its own DATA_DIR (no shared folder), the exports in the bucket."""
    data_dir.mkdir()
    return replace(
        settings,
        data_dir=data_dir,
        exports_s3_bucket=s3.bucket,
        exports_s3_prefix=PREFIX,
        media_s3_endpoint_url=s3.endpoint_url,
        media_s3_region="us-east-1",
        media_s3_access_key_id=ACCESS_KEY,
        media_s3_secret_access_key=SECRET_KEY,
    )


@asynccontextmanager
async def client_for(settings: Settings, db: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, backend=db)


def clear(s3: S3Server) -> None:
    client: Any = s3.client()
    for key in s3.stored_keys():
        client.delete_object(Bucket=s3.bucket, Key=key)


def head(s3: S3Server, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    client: Any = s3.client()
    return client.head_object(Bucket=s3.bucket, Key=key), client.get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]


async def test_an_archive_built_on_one_instance_is_served_by_another_from_the_bucket(
    db: str, settings: Settings, s3: S3Server, tmp_path: Path
) -> None:
    clear(s3)
    one = instance(settings, s3, tmp_path / "one")
    other = instance(settings, s3, tmp_path / "other")
    async with client_for(one, db) as api_one, client_for(other, db) as api_other:
        ann = await api_one.register("ann", email="ann@example.com", firstName="Ann")
        requested = await request_export(api_one, ann)
        assert not requested.errors, requested.body
        await builder.Builder(one).build_due()
        [export] = await exports_of(api_other, ann)
        keys = await asyncio.to_thread(s3.stored_keys)
        [key] = keys
        stored, grants = await asyncio.to_thread(head, s3, key)
        url = str(export["downloadUrl"])
        download = await api_other.client.get(
            url[url.index("/exports/") :], headers={"Authorization": f"Bearer {ann.token}"}
        )

        await DataExport.filter(id=int(str(export["id"]))).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        await maintenance.run_once(other)
        after = await asyncio.to_thread(s3.stored_keys)
        expired = await api_other.client.get(
            url[url.index("/exports/") :], headers={"Authorization": f"Bearer {ann.token}"}
        )

    assert export["status"] == "READY", export
    assert key.startswith(f"{PREFIX}") and key.endswith(".zip")
    assert stored["ContentType"] == "application/zip" and stored["CacheControl"] == "private, no-store"
    assert not [grant for grant in grants if grant["Grantee"].get("URI") == ALL_USERS]  # no public read
    assert url.startswith("http://testserver/exports/") and s3.endpoint_url not in json.dumps(export)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/zip"
    account = json.loads(unzipped(download.content)["account.json"])
    assert (account["account"]["userName"], account["account"]["firstName"]) == ("ann", "Ann")
    assert not await asyncio.to_thread(lambda: list(tmp_path.rglob("*.zip")))  # nothing on either instance's disk
    assert after == [] and expired.status_code == 410
