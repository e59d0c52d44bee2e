"""The archive's layout: an uploaded picture goes in at its original size, and README.txt names it."""

from __future__ import annotations

from datetime import UTC, datetime

from services.exports import contents
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import register
from tests.support.exports import unzipped

PICTURE = b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(range(256))  # the bytes are handed on as they are


async def test_an_uploaded_picture_is_in_the_archive_as_it_was_kept(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    user = (await register(settings, throttle, "ann")).user
    moment = datetime.now(UTC)

    files = await contents.gather(
        user, source="https://api.example.test", exported_at=moment, picture=(PICTURE, "image/webp")
    )
    zipped = unzipped(contents.archive(files, made_at=moment))

    assert zipped["profile-image.webp"] == PICTURE
    readme = zipped["README.txt"].decode()
    assert "profile-image.webp" in readme and "https://api.example.test" in readme and "ann" in readme


async def test_without_a_picture_there_is_no_picture_file(db: str, settings: Settings, throttle: Throttle) -> None:
    user = (await register(settings, throttle, "ann")).user
    moment = datetime.now(UTC)

    files = await contents.gather(user, source="https://api.example.test", exported_at=moment, picture=None)

    assert not [name for name in files if name.startswith("profile-image")]
