"""Pictures made with Pillow for the profile-picture tests, good and bad, and how to send them."""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any

import httpx
from PIL import Image

SET_PICTURE = """mutation Set($file: Upload!) {
  setProfileImage(file: $file) { userName profileImage small: profileImage(size: 48) }
}"""
REMOVE_PICTURE = "mutation { removeProfileImage { userName profileImage } }"
PREFLIGHT = {"Apollo-Require-Preflight": "true"}


def picture(fmt: str = "PNG", size: tuple[int, int] = (300, 200), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def png(size: tuple[int, int] = (300, 200), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    return picture("PNG", size, color)


def huge_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def multipart(document: str, variables: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> dict[str, Any]:
    """httpx's data and files for a GraphQL multipart request (the spec's operations, map and file parts);
    ``files``: variable name -> (file name, bytes, declared type)."""
    variables = {**variables, **{name: None for name in files}}
    operations = json.dumps({"query": document, "variables": variables})
    mapping = json.dumps({str(i): [f"variables.{name}"] for i, name in enumerate(files)})
    return {
        "data": {"operations": operations, "map": mapping},
        "files": {str(i): files[name] for i, name in enumerate(files)},
    }


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    *,
    token: str,
    headers: dict[str, str] | None = None,
    name: str = "me.png",
    declared: str = "image/png",
) -> httpx.Response:
    """setProfileImage as Apollo Upload Client sends it (preflight header unless ``headers`` say otherwise)."""
    sent = {"Authorization": f"Bearer {token}", **(PREFLIGHT if headers is None else headers)}
    return await client.post("/graphql", headers=sent, **multipart(SET_PICTURE, {}, {"file": (name, data, declared)}))
