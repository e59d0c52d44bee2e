"""EXPORTS_S3_BUCKET: archives are private, so they may not share the bucket pictures are read from straight."""

from __future__ import annotations

import pytest

from settings import Settings, SettingsError

SECRET_48 = "s" * 48
PICTURES_FROM_THE_BUCKET = {"MEDIA_S3_BUCKET": "shared", "MEDIA_BASE_URL": "https://cdn.example.com"}


def test_exports_in_the_bucket_pictures_are_read_from_are_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({"JWT_SECRET": SECRET_48, **PICTURES_FROM_THE_BUCKET, "EXPORTS_S3_BUCKET": "shared"})

    assert "EXPORTS_S3_BUCKET is MEDIA_S3_BUCKET" in str(refused.value)


def test_exports_in_their_own_bucket_or_beside_pictures_served_by_the_server_are_accepted() -> None:
    own = Settings.from_environ(
        {"JWT_SECRET": SECRET_48, **PICTURES_FROM_THE_BUCKET, "EXPORTS_S3_BUCKET": "private", "EXPORTS_S3_PREFIX": "x/"}
    )
    beside = Settings.from_environ(
        {"JWT_SECRET": SECRET_48, "MEDIA_S3_BUCKET": "shared", "EXPORTS_S3_BUCKET": "shared", "EXPORTS_S3_PREFIX": "x/"}
    )

    assert (own.exports_s3_bucket, own.exports_s3_prefix) == ("private", "x/")
    assert beside.exports_s3_bucket == beside.media_s3_bucket == "shared"


def test_a_prefix_that_is_not_a_folder_is_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({"JWT_SECRET": SECRET_48, "EXPORTS_S3_BUCKET": "b", "EXPORTS_S3_PREFIX": "../up"})

    assert "EXPORTS_S3_PREFIX" in str(refused.value)
