"""Uploads at the HTTP edge: GraphQL multipart requests (profile pictures) behind a CSRF guard, and the larger
body cap that uploads (multipart on /graphql, the REST door's raw picture body) get instead of MAX_BODY_BYTES.

A browser sends a multipart/form-data POST to another site without asking first (a "simple" request, the stuff
of CSRF); a request with a custom header needs a CORS preflight the site must allow. So a multipart request must
carry a non-empty ``Apollo-Require-Preflight`` (what Apollo's and urql's upload clients send) or
``X-Apollo-Operation-Name`` header, as Apollo Server requires; without one it is refused with 400.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")
MARGIN = 64 * 1024  # a multipart body's operations, map and part headers, besides the file
NO_PREFLIGHT = (
    "A multipart request (a file upload) needs a non-empty Apollo-Require-Preflight header (or "
    "X-Apollo-Operation-Name): it guards against cross-site request forgery. Apollo Upload Client and urql send it; "
    "with fetch, add 'Apollo-Require-Preflight: true'."
)
PICTURE_PATH_SUFFIX = "/profile-image"


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def csrf_refusal(scope: Scope) -> Response | None:
    """The 400 (GraphQL's JSON error shape, code BAD_REQUEST) for a multipart request without a preflight
    header; None for any other request."""
    headers = Headers(scope=scope)
    if not is_multipart(headers.get("content-type")):
        return None
    if any((headers.get(name) or "").strip() for name in PREFLIGHT_HEADERS):
        return None
    error = {"message": NO_PREFLIGHT, "extensions": {"code": "BAD_REQUEST", "reason": "PREFLIGHT_HEADER_REQUIRED"}}
    return JSONResponse({"errors": [error]}, status_code=400, headers={"Cache-Control": "no-store"})


def upload_allowance(graphql_path: str, media_max_bytes: int) -> Callable[[Scope], int | None]:
    """BodySizeLimit's allowance: MEDIA_MAX_BYTES plus a margin for a multipart POST to ``graphql_path`` and a
    PUT of a profile picture; None (MAX_BODY_BYTES) for anything else."""
    larger = media_max_bytes + MARGIN

    def allowance(scope: Scope) -> int | None:
        method, path = scope.get("method"), scope.get("path", "")
        if method == "PUT" and path.startswith("/api/users/") and path.endswith(PICTURE_PATH_SUFFIX):
            return larger
        if method == "POST" and path == graphql_path:
            content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
            if is_multipart(content_type):
                return larger
        return None

    return allowance
