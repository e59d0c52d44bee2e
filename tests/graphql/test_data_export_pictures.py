"""Download my data with an uploaded profile picture: the archive holds the picture at the size it was uploaded,
turned as the camera's EXIF orientation says, with no EXIF left, and account.json names that file instead of a URL
(README, "Download my data")."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageOps

from services.exports import builder
from settings import Settings
from tests.support import Api
from tests.support.exports import exports_of, request_export, unzipped
from tests.support.pictures import upload

RED, BLUE = (220, 20, 20), (20, 20, 220)
ORIENTATION, ARTIST = 0x0112, 0x013B
ROTATE_CLOCKWISE = 6  # EXIF: turn 90 degrees clockwise to show


def camera_jpeg() -> bytes:
    """A 300 x 200 JPEG, red on the left and blue on the right, whose EXIF says to turn it to show it (so it shows
    200 x 300, red at the top) and names its artist."""
    image = Image.new("RGB", (300, 200), BLUE)
    image.paste(RED, (0, 0, 150, 200))
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_CLOCKWISE
    exif[ARTIST] = "Ann's camera"
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def near(pixel: object, color: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(a) - b) < 40 for a, b in zip(pixel[:3], color, strict=True))


async def test_an_export_holds_the_uploaded_picture_turned_and_without_exif(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")
    sent = camera_jpeg()
    response = await upload(api.client, sent, token=ann.token, name="me.jpg", declared="image/jpeg")
    assert response.status_code == 200 and "errors" not in response.json(), response.text

    requested = await request_export(api, ann)
    assert not requested.errors, requested.body
    await builder.Builder(settings).build_due()
    [export] = await exports_of(api, ann)
    assert export["status"] == "READY", export
    url = str(export["downloadUrl"])
    download = await api.client.get(url[url.index("/exports/") :], headers={"Authorization": f"Bearer {ann.token}"})
    assert download.status_code == 200, download.text
    files = unzipped(download.content)

    [name] = [name for name in files if name.startswith("profile-image.")]
    account = json.loads(files["account.json"])
    assert account["profile"]["profileImage"] == name
    assert name in files["README.txt"].decode()

    original = Image.open(io.BytesIO(sent))
    assert original.getexif()[ORIENTATION] == ROTATE_CLOCKWISE and original.size == (300, 200)
    shown = ImageOps.exif_transpose(original)
    with Image.open(io.BytesIO(files[name])) as kept:
        assert kept.format == {"webp": "WEBP", "jpg": "JPEG"}[name.rpartition(".")[2]]
        assert kept.size == shown.size == (200, 300)
        assert not kept.getexif() and "exif" not in kept.info
        rgb = kept.convert("RGB")
        assert near(rgb.getpixel((100, 40)), RED) and near(rgb.getpixel((100, 260)), BLUE)
