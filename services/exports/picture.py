"""The account's own picture, at its original size, for the archive.

Uploaded pictures are kept by services/media/profile_images.py (profile pictures, the other half of issue 25).
Until that module is part of the server, an archive has no picture file; an account whose ``profileImage`` is an
external URL has that URL in account.json either way.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import cast

from settings import Settings

PROFILE_IMAGES = "services.media.profile_images"
Original = Callable[[int, Settings], Awaitable[tuple[bytes, str] | None]]


def _original_image() -> Original | None:
    try:
        module = importlib.import_module(PROFILE_IMAGES)
    except ImportError:
        return None
    return cast(Original, module.original_image)


async def original_picture(user_id: int, settings: Settings) -> tuple[bytes, str] | None:
    """The uploaded picture's bytes and content type, or None when there is none (or no uploads here)."""
    original = _original_image()
    return None if original is None else await original(user_id, settings)
