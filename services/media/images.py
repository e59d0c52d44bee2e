"""Profile pictures: checked by their content with Pillow, then re-encoded, never stored as sent.

A picture is accepted only if its bytes are a JPEG, PNG, WebP or GIF (the name and declared type a client sends
count for nothing), Pillow decodes it whole, nothing follows the image's end (a polyglot: a picture with an archive,
page or script appended), and it has at most ``max_pixels`` pixels (a decompression bomb: a tiny file declaring a
huge canvas is refused from its header, before any decoding). What is stored is Pillow's re-encoding of the first
frame, orientation applied (EXIF), square-cropped at the center, at each of ``SIZES`` plus an "original" (at most
``ORIGINAL_MAX`` px a side, not cropped) for the owner's data export; no metadata (EXIF, GPS, ICC, text chunks)
survives. The work is CPU-bound: :func:`processed` runs it in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import io
import struct
import threading
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from services.errors import AccountError

SIZES = (400, 128, 48)  # square sizes stored, largest first
ORIGINAL = "original"
ORIGINAL_MAX = 2048  # the original's longest side, after re-encoding
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
FIELD = "file"
# At most this many pictures decoded at once per process: a picture at MEDIA_MAX_PIXELS takes 4 bytes a pixel
# (160 MB at 40 million) and a second or so of a core; more uploads at once wait their turn (in their thread).
_DECODING = threading.BoundedSemaphore(2)


class _OnTheFile:
    """A picture's refusal names the file argument (extensions.field) unless told otherwise."""

    def __init__(self, message: str, *, field: str | None = FIELD) -> None:
        super().__init__(message, field=field)  # type: ignore[call-arg]  # AccountError's, next in the MRO


class ImageTooLarge(_OnTheFile, AccountError):
    """Over MEDIA_MAX_BYTES."""

    code = "IMAGE_TOO_LARGE"


class ImageTooManyPixels(_OnTheFile, AccountError):
    """Over MEDIA_MAX_PIXELS (width x height, read from the header before anything is decoded)."""

    code = "IMAGE_TOO_MANY_PIXELS"


class ImageUnsupported(_OnTheFile, AccountError):
    """Not a JPEG, PNG, WebP or GIF by its content (an SVG, a PDF, text, ...)."""

    code = "IMAGE_UNSUPPORTED"


class ImageUnreadable(_OnTheFile, AccountError):
    """A JPEG, PNG, WebP or GIF by its first bytes that does not decode whole: truncated, corrupt, or with data
    after the image's end (a polyglot)."""

    code = "IMAGE_UNREADABLE"


# A picture refused before anything was stored; its code says why (stable).
ImageRefused = (ImageTooLarge, ImageTooManyPixels, ImageUnsupported, ImageUnreadable)


def too_large(max_bytes: int) -> ImageTooLarge:
    return ImageTooLarge(f"The picture is larger than {max_bytes} bytes (MEDIA_MAX_BYTES).")


async def read_capped(stream: IO[bytes], max_bytes: int, chunk: int = 64 * 1024) -> bytes:
    """The bytes of an uploaded file, read in chunks: refused (IMAGE_TOO_LARGE) as soon as they pass
    ``max_bytes``, never read to their end."""

    def read() -> bytes:
        parts, total = [], 0
        while piece := stream.read(chunk):
            total += len(piece)
            if total > max_bytes:
                raise too_large(max_bytes)
            parts.append(piece)
        return b"".join(parts)

    return await asyncio.to_thread(read)


@dataclass(frozen=True)
class Rendition:
    name: str  # "400", "128", "48" or "original"
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    renditions: tuple[Rendition, ...]
    extension: str  # "webp" or "jpg"
    content_type: str


async def processed(data: bytes, *, max_bytes: int, max_pixels: int, webp: bool) -> Processed:
    """``data`` checked and re-encoded (in a thread), or ImageRefused with the reason's code."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return await asyncio.to_thread(_process, data, max_pixels, webp)


def _process(data: bytes, max_pixels: int, webp: bool) -> Processed:
    with _DECODING:
        return _decode_and_encode(data, max_pixels, webp)


def _decode_and_encode(data: bytes, max_pixels: int, webp: bool) -> Processed:
    frame = _decoded(data, max_pixels)
    extension, content_type = ("webp", "image/webp") if webp else ("jpg", "image/jpeg")
    renditions = [_encode(ORIGINAL, _fit(frame, ORIGINAL_MAX), webp)]
    square = ImageOps.fit(frame, (min(frame.size),) * 2, method=Image.Resampling.LANCZOS)
    for size in SIZES:
        resized = square if square.width <= size else square.resize((size, size), Image.Resampling.LANCZOS)
        renditions.append(_encode(str(size), resized, webp))
    return Processed(tuple(renditions), extension, content_type)


def _decoded(data: bytes, max_pixels: int) -> Image.Image:
    """The first frame, oriented and in RGB(A), or the refusal. Our pixel cap is checked from the header before
    anything is decoded; Pillow's own bomb guard (DecompressionBombError) stays on behind it, untouched (it is
    process-wide, and pictures are decoded in threads)."""
    if not data:
        raise ImageUnsupported("The file is empty; send a JPEG, PNG, WebP or GIF picture.")
    try:
        return _open(data, max_pixels)
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None


def _too_many_pixels(max_pixels: int) -> ImageTooManyPixels:
    return ImageTooManyPixels(f"The picture has more than {max_pixels} pixels (MEDIA_MAX_PIXELS).")


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        probe = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
    except UnidentifiedImageError:
        if _looks_like_ours(data):  # the right first bytes, then nothing Pillow can read
            raise ImageUnreadable("The picture cannot be read: it is damaged or truncated.") from None
        raise ImageUnsupported("The file is not a JPEG, PNG, WebP or GIF picture.") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError):
        raise ImageUnreadable("The picture cannot be read: it is damaged or truncated.") from None
    with probe:
        if probe.format not in FORMATS:
            raise ImageUnsupported("The file is not a JPEG, PNG, WebP or GIF picture.")
        width, height = probe.size
        if width < 1 or height < 1:
            raise ImageUnreadable("The picture has no pixels.")
        if width * height > max_pixels:  # from the header: nothing decoded yet
            raise _too_many_pixels(max_pixels)
        try:
            probe.verify()  # PNG: every chunk's CRC to IEND; others: what verify checks
        except Exception:
            raise ImageUnreadable("The picture cannot be read: it is damaged or truncated.") from None
    try:
        image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
        image.seek(0)  # the first frame of a GIF or animated WebP
        image.load()
        end = _end_of_image(image, data)
        frame = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, *ImageRefused):
        raise
    except Exception:
        raise ImageUnreadable("The picture cannot be read: it is damaged or truncated.") from None
    if end < len(data):
        raise ImageUnreadable(
            "The file has data after the picture's end (another file joined to it); send the picture alone."
        )
    return frame.convert("RGBA" if _has_alpha(frame) else "RGB")


def _looks_like_ours(data: bytes) -> bool:
    """The signature of a JPEG, PNG, GIF or WebP file."""
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _end_of_image(image: Image.Image, data: bytes) -> int:
    """Where the image's own bytes end: anything after is another file joined to it (a polyglot)."""
    fmt = image.format
    if fmt == "PNG":
        return _png_end(data)
    if fmt == "JPEG":
        return _jpeg_first_eoi(data)
    if fmt == "WEBP":
        size: int = struct.unpack("<I", data[4:8])[0]
        return 8 + size + (size & 1)  # the RIFF chunk's size, padded to even
    if fmt == "GIF":
        return _gif_end(data)
    return len(data)


def _png_end(data: bytes) -> int:
    position = 8
    while position + 8 <= len(data):
        length: int
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        position += 12 + length
        if kind == b"IEND":
            return position
    return len(data) + 1  # no IEND: truncated


def _jpeg_first_eoi(data: bytes) -> int:
    """The end of the first EOI marker after the scan data (markers inside the entropy-coded data are stuffed)."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return len(data) + 1
        marker = data[position + 1]
        if marker == 0xD9:
            return position + 2
        if marker == 0xFF:
            position += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        length: int = struct.unpack(">H", data[position + 2 : position + 4])[0]
        position += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data to the next marker that is not RSTn or stuffed
            while position + 1 < len(data):
                if data[position] == 0xFF and data[position + 1] not in (0x00, *range(0xD0, 0xD8)):
                    break
                position += 1
    return len(data) + 1


def _gif_end(data: bytes) -> int:
    """The end of the GIF's trailer byte (0x3B), walking its blocks."""
    try:
        position = 13
        flags = data[10]
        if flags & 0x80:
            position += 3 * (2 ** ((flags & 7) + 1))
        while position < len(data):
            block = data[position]
            if block == 0x3B:
                return position + 1
            if block == 0x21:  # extension: label, then sub-blocks
                position += 2
            elif block == 0x2C:  # image descriptor, optional local table, LZW minimum code size, sub-blocks
                local = data[position + 9]
                position += 10
                if local & 0x80:
                    position += 3 * (2 ** ((local & 7) + 1))
                position += 1
            else:
                return len(data) + 1
            while data[position] != 0:
                position += data[position] + 1
            position += 1
    except IndexError:
        pass
    return len(data) + 1


def _fit(image: Image.Image, longest: int) -> Image.Image:
    if max(image.size) <= longest:
        return image
    fitted = image.copy()
    fitted.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return fitted


def _encode(name: str, image: Image.Image, webp: bool) -> Rendition:
    """A fresh encoding: Pillow writes no EXIF, ICC profile or text unless asked, and none is asked."""
    out = io.BytesIO()
    if webp:
        image.save(out, format="WEBP", quality=85, method=4)
    else:
        flat = image
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
        flat.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return Rendition(name, out.getvalue(), image.width, image.height)
