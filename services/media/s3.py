"""Files in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...): the ``Storage`` interface with boto3,
whose calls block, run in a thread. Keys are the server's (``storage.checked_key``) under a prefix; the store's
address, region and credentials are the MEDIA_S3_* settings, the bucket and prefix its user's (the pictures'
MEDIA_S3_BUCKET, the data exports' EXPORTS_S3_BUCKET)."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from services.media.storage import checked_key
from settings import Settings

CACHE_CONTROL = "public, max-age=31536000, immutable"  # names are content-addressed: a name never changes content
PRIVATE = "private, no-store"  # an object no cache may keep (a data export)


class S3Storage:
    def __init__(self, settings: Settings, *, bucket: str, prefix: str, cache_control: str = CACHE_CONTROL) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.cache_control = cache_control
        options: dict[str, Any] = {"config": Config(retries={"max_attempts": 3, "mode": "standard"})}
        if settings.media_s3_endpoint_url:
            options["endpoint_url"] = settings.media_s3_endpoint_url
        if settings.media_s3_region:
            options["region_name"] = settings.media_s3_region
        if settings.media_s3_access_key_id:
            options["aws_access_key_id"] = settings.media_s3_access_key_id
            options["aws_secret_access_key"] = settings.media_s3_secret_access_key
        self.client = boto3.session.Session().client("s3", **options)

    def object_key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=self.object_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl=self.cache_control,
        )

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            body: bytes = answer["Body"].read()
            return body

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self.object_key(key))
