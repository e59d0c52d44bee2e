"""``GET /media/{key}``: the stored profile pictures, from the pictures' storage (the MEDIA_ROOT folder, or the
S3 bucket when MEDIA_BASE_URL does not point at it or a CDN).

Only keys that are pictures' files (``avatars/<name>/<size>.<ext>``) are served, with their own content type,
``nosniff``, and a year's immutable caching (names are content-addressed: a name never changes its bytes). Any
other path is 404: no listing, no path outside the store (keys are plain segments: storage.checked_key).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from services.media.pictures_storage import MEDIA_PATH, storage_for
from services.media.profile_images import NAME_HEX, PREFIX, STORED, content_type_of
from settings import Settings
from web.rest.answers import error, failure

PICTURE_FILE = re.compile(re.escape(PREFIX) + rf"[0-9a-f]{{{NAME_HEX}}}/(?:{'|'.join(STORED)})\.(?:webp|jpg)")
HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}


def routes(settings: Settings) -> list[BaseRoute]:
    async def picture(request: Request) -> Response:
        key = request.path_params["key"]
        content_type = content_type_of(key)
        data = None
        if PICTURE_FILE.fullmatch(key) and content_type is not None:
            data = await storage_for(settings).get(key)
        if data is None or content_type is None:
            return failure([error("NOT_FOUND", "No such picture.")], headers={"X-Content-Type-Options": "nosniff"})
        return Response(
            b"" if request.method == "HEAD" else data,
            media_type=content_type,
            headers={**HEADERS, "Content-Length": str(len(data))},
        )

    return [Route(MEDIA_PATH + "/{key:path}", picture, methods=["GET", "HEAD"])]
