"""Profile pictures: the upload's limits, the stored format, and where pictures live (disk or S3)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from settings.fields import PublicUrl, Whole

S3_KEYS_APART = (
    "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY go together: set both, or neither (boto3's own credentials)."
)


class MediaSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    media_max_bytes: Whole = Field(
        8_000_000,
        description="largest profile picture upload in bytes (GraphQL multipart or REST; else refused while "
        "reading: HTTP 413, IMAGE_TOO_LARGE)",
        ge=1,
        le=100_000_000,
    )
    media_max_pixels: Whole = Field(
        40_000_000,
        description="largest profile picture in pixels (width x height), against decompression bombs "
        "(IMAGE_TOO_MANY_PIXELS)",
        ge=1,
        le=400_000_000,
    )
    media_webp: bool = Field(True, description="store profile pictures as WebP; `false`: JPEG")
    media_root: Path | None = Field(
        None,
        description="folder of the stored profile pictures (served at `/media/...`) when MEDIA_S3_BUCKET is not set",
        json_schema_extra={"shown": "folder `media` in `DATA_DIR`"},
    )
    media_base_url: PublicUrl = Field(
        "",
        description="the public address the pictures are read from (a CDN in front of `/media` or of the bucket)",
        json_schema_extra={"shown": "PUBLIC_URL + `/media`"},
    )
    media_s3_bucket: str = Field("", description="store pictures in this S3-compatible bucket instead of on disk")
    media_s3_endpoint_url: PublicUrl = Field(
        "",
        description="the S3-compatible store's address (MinIO, Cloudflare R2, ...)",
        json_schema_extra={"shown": "AWS S3"},
    )
    media_s3_region: str = Field("", description="the bucket's region", json_schema_extra={"shown": "boto3's default"})
    media_s3_access_key_id: str = Field(
        "", description="the store's access key id", json_schema_extra={"shown": "boto3's default credentials"}
    )
    media_s3_secret_access_key: str = Field(
        "",
        description="the store's secret access key",
        json_schema_extra={"shown": "boto3's default credentials"},
        repr=False,
    )
    media_s3_prefix: str = Field(
        "",
        description="a folder in the bucket for the pictures' keys, e.g. `users/`",
        pattern=r"^([A-Za-z0-9_-][A-Za-z0-9._-]{0,63}/){0,4}$",
    )
