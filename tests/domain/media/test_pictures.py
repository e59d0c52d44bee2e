"""Profile pictures through the service (issue 25): every bad file refused with its code and nothing stored;
what is stored is a re-encoding (orientation applied, square, no EXIF or location) at each size.

The oracle is the issue's rule: JPEG, PNG, WebP and GIF only, by content; a byte cap and a pixel cap; a file that is
not a decodable image, a truncated one, a huge-dimension PNG, an SVG and a polyglot each refused with a clear code.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from models import User
from services.errors import AccountError
from services.media import profile_images
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import register
from tests.support import replace
from tests.support.pictures import SVG, huge_png, picture, png

ZIP = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 20 + b"evil.sh" + b"#!/bin/sh\nrm -rf /\n"
HTML = b"<html><script>alert(document.cookie)</script></html>"


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _jpeg_with_gps_turned(orientation: int = 6) -> bytes:
    """A 300x200 JPEG, red left half and blue right half, that says "turn me" (EXIF orientation) and where it
    was taken (GPS)."""
    image = Image.new("RGB", (300, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 150, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})  # Paris
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


BAD = [
    pytest.param(b"just some words, no picture at all", "IMAGE_UNSUPPORTED", id="not-an-image"),
    pytest.param(b"", "IMAGE_UNSUPPORTED", id="empty"),
    pytest.param(SVG, "IMAGE_UNSUPPORTED", id="svg"),
    pytest.param(b"%PDF-1.7\n1 0 obj <<>> endobj\n", "IMAGE_UNSUPPORTED", id="pdf"),
    pytest.param(picture("JPEG")[:-400], "IMAGE_UNREADABLE", id="truncated-jpeg"),
    pytest.param(png()[:-30], "IMAGE_UNREADABLE", id="truncated-png"),
    pytest.param(picture("GIF")[:-10], "IMAGE_UNREADABLE", id="truncated-gif"),
    pytest.param(picture("WEBP")[:-20], "IMAGE_UNREADABLE", id="truncated-webp"),
    pytest.param(huge_png(), "IMAGE_TOO_MANY_PIXELS", id="huge-dimension-png"),
    pytest.param(huge_png(8_000, 6_000), "IMAGE_TOO_MANY_PIXELS", id="48-megapixel-png-header"),
    pytest.param(png() + ZIP, "IMAGE_UNREADABLE", id="png-with-a-zip-appended"),
    pytest.param(picture("JPEG") + HTML, "IMAGE_UNREADABLE", id="jpeg-with-html-appended"),
    pytest.param(picture("GIF") + b"<script>alert(1)</script>", "IMAGE_UNREADABLE", id="gif-with-script-appended"),
    pytest.param(picture("WEBP") + ZIP, "IMAGE_UNREADABLE", id="webp-with-a-zip-appended"),
    pytest.param(HTML + png(), "IMAGE_UNSUPPORTED", id="html-then-png"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "IMAGE_UNREADABLE", id="png-signature-then-garbage"),
]


@pytest.mark.parametrize(("data", "code"), BAD)
async def test_each_bad_file_is_refused_with_its_code_and_nothing_is_stored(
    db: str, settings: Settings, throttle: Throttle, data: bytes, code: str
) -> None:
    ann = (await register(settings, throttle, "ann")).user

    with pytest.raises(AccountError) as refused:
        await profile_images.set_picture(user_id=ann.id, data=data, settings=settings)

    assert refused.value.code == code
    assert refused.value.field == "file"
    assert _files(settings.data_dir / "media") == []
    assert (await User.get(id=ann.id)).profile_image_key is None


async def test_a_file_over_the_byte_cap_is_refused_before_it_is_decoded(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    capped = replace(settings, media_max_bytes=1_000)
    ann = (await register(capped, throttle, "ann")).user
    noisy = Image.frombytes("RGB", (100, 100), os.urandom(100 * 100 * 3))  # noise: it does not compress
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 1_000

    with pytest.raises(AccountError) as refused:
        await profile_images.set_picture(user_id=ann.id, data=out.getvalue(), settings=capped)

    assert refused.value.code == "IMAGE_TOO_LARGE"
    assert _files(capped.data_dir / "media") == []


async def test_the_pixel_cap_is_a_setting(db: str, settings: Settings, throttle: Throttle) -> None:
    capped = replace(settings, media_max_pixels=300 * 200 - 1)
    ann = (await register(capped, throttle, "ann")).user

    with pytest.raises(AccountError) as refused:
        await profile_images.set_picture(user_id=ann.id, data=png((300, 200)), settings=capped)
    stored = await profile_images.set_picture(user_id=ann.id, data=png((299, 200)), settings=capped)

    assert refused.value.code == "IMAGE_TOO_MANY_PIXELS"
    assert stored.profile_image_key is not None


async def test_a_photo_with_location_and_orientation_is_stored_turned_square_and_without_exif(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    photo = _jpeg_with_gps_turned()
    assert b"PhoneMaker" in photo and Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the test's premise

    user = await profile_images.set_picture(user_id=ann.id, data=photo, settings=settings)

    root = settings.data_dir / "media"
    stored = {path.name: path.read_bytes() for path in _files(root)}
    assert sorted(stored) == ["128.webp", "400.webp", "48.webp", "original.webp"]
    assert str(user.profile_image_key).startswith("avatars/")
    for name, data in stored.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "WEBP"
        assert not image.getexif(), name  # no EXIF at all: no orientation, no maker, no GPS
        assert "exif" not in image.info and "icc_profile" not in image.info and "xmp" not in image.info
        assert b"PhoneMaker" not in data
        rgb = image.convert("RGB")
        if name == "original.webp":
            assert image.size == (200, 300)  # turned a quarter: the 300x200 photo stood upright
        else:
            size = int(name.split(".")[0])
            assert image.size == (min(size, 200), min(size, 200))  # square (the photo is 200 wide)
        # Orientation 6: the photo's left (red) half is its top once turned; its right (blue) half the bottom.
        top = rgb.getpixel((rgb.width // 2, 2))
        bottom = rgb.getpixel((rgb.width // 2, rgb.height - 3))
        assert isinstance(top, tuple) and isinstance(bottom, tuple)
        assert top[0] > 200 and top[2] < 60, (name, top)
        assert bottom[2] > 200 and bottom[0] < 60, (name, bottom)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
async def test_each_accepted_format_is_stored_at_each_size_whatever_the_name_or_type_sent(
    db: str, settings: Settings, throttle: Throttle, fmt: str
) -> None:
    ann = (await register(settings, throttle, "ann")).user

    user = await profile_images.set_picture(user_id=ann.id, data=picture(fmt, (900, 600)), settings=settings)

    stem = str(user.profile_image_key)
    sizes = {}
    for rendition in ("400", "128", "48", "original"):
        data = (settings.data_dir / "media" / profile_images.file_key(stem, rendition)).read_bytes()
        sizes[rendition] = Image.open(io.BytesIO(data)).size
    assert sizes == {"400": (400, 400), "128": (128, 128), "48": (48, 48), "original": (900, 600)}


async def test_jpeg_is_stored_when_webp_is_off_and_the_original_is_capped(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    jpeg = replace(settings, media_webp=False)
    ann = (await register(jpeg, throttle, "ann")).user

    user = await profile_images.set_picture(user_id=ann.id, data=png((3000, 1000)), settings=jpeg)
    original = await profile_images.original_image(ann.id, jpeg)

    assert str(user.profile_image_key).endswith(".jpg")
    assert original is not None and original[1] == "image/jpeg"
    assert Image.open(io.BytesIO(original[0])).size == (2048, 683)


async def test_names_are_unguessable_and_never_shared_between_accounts(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    ann = (await register(settings, throttle, "ann")).user
    bob = (await register(settings, throttle, "bob")).user
    same = png()

    ann_key = (await profile_images.set_picture(user_id=ann.id, data=same, settings=settings)).profile_image_key
    bob_key = (await profile_images.set_picture(user_id=bob.id, data=same, settings=settings)).profile_image_key
    other_secret = replace(settings, jwt_secret="another-secret-of-at-least-32-bytes-long")
    elsewhere = profile_images.stem_for(ann.id, same, "webp", other_secret)

    assert ann_key != bob_key
    assert elsewhere != ann_key  # the name needs the server's secret
    assert profile_images.stem_for(ann.id, same, "webp", settings) == ann_key  # the same upload, the same name
    await profile_images.remove_picture(user_id=ann.id, settings=settings)
    assert (await profile_images.original_image(bob.id, settings)) is not None  # bob's files are his own


class _Endless(io.RawIOBase):
    """An upload that never ends: counts what was read from it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        buffer[:] = b"\0" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


async def test_an_upload_is_refused_while_reading_once_past_the_cap(settings: Settings) -> None:
    endless = _Endless()

    with pytest.raises(AccountError) as refused:
        await profile_images.read_upload(io.BufferedReader(endless), replace(settings, media_max_bytes=200_000))

    assert refused.value.code == "IMAGE_TOO_LARGE"
    assert 200_000 < endless.given < 400_000  # stopped a chunk or so past the cap, not at the stream's end


async def test_pillows_own_bomb_guard_is_a_refusal_too_when_the_cap_is_set_above_it(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    generous = replace(settings, media_max_pixels=400_000_000)
    ann = (await register(generous, throttle, "ann")).user

    with pytest.raises(AccountError) as refused:  # 200 million pixels: under the setting, over Pillow's guard
        await profile_images.set_picture(user_id=ann.id, data=huge_png(20_000, 10_000), settings=generous)

    assert refused.value.code == "IMAGE_TOO_MANY_PIXELS"
    assert _files(generous.data_dir / "media") == []
