"""Profile pictures in an S3-compatible store (issue 25): upload, serve from the URL, replace and purge against
moto's S3 server process on loopback, as against AWS S3, MinIO or R2 (MEDIA_S3_* settings)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from main import create_app
from services import maintenance
from settings import Settings
from tests.support import Api, replace
from tests.support.pictures import REMOVE_PICTURE, png, upload
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, S3Server, s3_server

DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
PREFIX = "people/"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


def in_bucket(settings: Settings, s3: S3Server, **changes: object) -> Settings:
    return replace(
        settings,
        media_s3_bucket=s3.bucket,
        media_s3_endpoint_url=s3.endpoint_url,
        media_s3_region="us-east-1",
        media_s3_access_key_id=ACCESS_KEY,
        media_s3_secret_access_key=SECRET_KEY,
        media_s3_prefix=PREFIX,
        **changes,
    )


@asynccontextmanager
async def client_for(settings: Settings, db: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, backend=db)


def public_read(s3: S3Server) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3.bucket}/{PREFIX}avatars/*",
            }
        ],
    }
    s3.client().put_bucket_policy(Bucket=s3.bucket, Policy=json.dumps(policy))  # type: ignore[attr-defined]


def clear(s3: S3Server) -> None:
    client = s3.client()
    for key in s3.stored_keys():
        client.delete_object(Bucket=s3.bucket, Key=key)  # type: ignore[attr-defined]


async def test_upload_serve_replace_and_purge_in_the_bucket(
    db: str, settings: Settings, s3: S3Server, tmp_path: Path
) -> None:
    clear(s3)
    async with client_for(in_bucket(settings, s3), db) as api:
        ann = await api.register("ann")
        first = (await upload(api.client, png(color=(255, 0, 0)), token=ann.token)).json()["data"]["setProfileImage"]
        first_keys = await asyncio.to_thread(s3.stored_keys)
        served = await api.client.get(first["profileImage"])  # /media reads the bucket

        second = (await upload(api.client, png(color=(0, 0, 255)), token=ann.token)).json()["data"]["setProfileImage"]
        second_keys = await asyncio.to_thread(s3.stored_keys)
        gone = await api.client.get(first["profileImage"])
        now = await api.client.get(second["profileImage"])

        await api.execute(DEACTIVATE, {"password": ann.password}, token=ann.token)
        await asyncio.sleep(1.1)
        purged = await maintenance.run_once(replace(in_bucket(settings, s3), account_restore_days=1 / 86400))

    assert len(first_keys) == 4 and all(key.startswith(PREFIX + "avatars/") for key in first_keys)
    assert first["profileImage"].startswith("http://testserver/media/avatars/")
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(served.content)).size == (200, 200)
    assert len(second_keys) == 4 and not set(first_keys) & set(second_keys)  # the old ones went
    assert gone.status_code == 404 and now.status_code == 200
    assert purged.accounts == 1
    assert await asyncio.to_thread(s3.stored_keys) == []
    assert not list((tmp_path / "media").rglob("*.webp"))  # nothing on disk


async def test_media_base_url_at_the_bucket_serves_straight_from_it(db: str, settings: Settings, s3: S3Server) -> None:
    clear(s3)
    bucket_url = f"{s3.endpoint_url}/{s3.bucket}"
    async with client_for(in_bucket(settings, s3, media_base_url=bucket_url), db) as api:
        bob = await api.register("bob")
        answer = (await upload(api.client, png(), token=bob.token)).json()["data"]["setProfileImage"]
        removed = await api.execute(REMOVE_PICTURE, token=bob.token)

        async with httpx.AsyncClient() as outside:
            after = await outside.get(answer["small"])

    url = answer["profileImage"]
    assert url.startswith(f"{bucket_url}/{PREFIX}avatars/")
    assert urlsplit(url).path.endswith("/400.webp")
    assert removed.data["removeProfileImage"]["profileImage"] is None
    assert after.status_code == 404  # the bucket no longer has it
    assert await asyncio.to_thread(s3.stored_keys) == []


async def test_the_bucket_url_serves_the_picture_with_its_type_and_cache_headers(
    db: str, settings: Settings, s3: S3Server
) -> None:
    clear(s3)
    public_read(s3)  # what an operator does for a bucket the pictures are read from straight (README)
    bucket_url = f"{s3.endpoint_url}/{s3.bucket}"
    async with client_for(in_bucket(settings, s3, media_base_url=bucket_url), db) as api:
        cid = await api.register("cid")
        answer = (await upload(api.client, png(), token=cid.token)).json()["data"]["setProfileImage"]
        async with httpx.AsyncClient() as outside:
            served = await outside.get(answer["profileImage"])

    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.content)).format == "WEBP"
    assert SECRET_KEY not in repr(in_bucket(settings, s3))  # the secret is never echoed
