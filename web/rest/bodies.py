"""A REST request's JSON body: read, checked for shape (400) and for unknown fields (422, every one named)."""

from __future__ import annotations

import difflib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.media import images
from settings import Settings
from web.rest.answers import error, failure
from web.rest.endpoints import Endpoint

NOT_JSON = "Send a JSON object with 'Content-Type: application/json'."
MAX_UNKNOWN = 20  # unknown fields named one by one in an answer; the rest are counted
MAX_NAME = 100  # characters of an unknown field's name repeated in the answer


class _NotANumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotANumber(f"{name} is not JSON")


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_body(request: Request, endpoint: Endpoint) -> dict[str, Any] | Response:
    """The body's fields, or the answer that refuses it."""
    if endpoint.body == "none":
        return {}
    if endpoint.body == "image":
        return await _picture(request)
    raw = await request.body()  # over MAX_BODY_BYTES: web.graphql_view.BodySizeLimit answers 413
    if not raw.strip() and endpoint.body == "optional":
        return {}
    if not is_json(request.headers.get("content-type")):
        return failure([error("BAD_REQUEST", f"Content-Type must be application/json. {NOT_JSON}")])
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, NaN, absurd nesting
        return failure([error("BAD_REQUEST", f"The body is not valid JSON. {NOT_JSON}")])
    if not isinstance(value, dict):
        return failure([error("BAD_REQUEST", f"The body must be a JSON object. {NOT_JSON}")])
    known = [body_field.name for body_field in endpoint.body_fields]
    unknown = [name for name in value if name not in known]
    if unknown:
        errors = [error("BAD_USER_INPUT", _unknown(name[:MAX_NAME], known), name[:MAX_NAME]) for name in unknown]
        if len(errors) > MAX_UNKNOWN:  # a body of many made-up keys must not make a far larger answer
            more = f"And {len(errors) - MAX_UNKNOWN} more unknown fields. Fields: {', '.join(known)}."
            errors = [*errors[:MAX_UNKNOWN], error("BAD_USER_INPUT", more)]
        return failure(errors)
    return value


def _unknown(name: str, known: list[str]) -> str:
    """A typo must not silently do nothing: the field is refused, with the nearest known name."""
    message = f"Unknown field '{name}'."
    same_but_case = [candidate for candidate in known if candidate.lower() == name.lower()]
    close = same_but_case or difflib.get_close_matches(name, known, n=1)
    if close:
        return message + f" Did you mean '{close[0]}'?"
    return message + " Fields: " + ", ".join(known) + "."


async def _picture(request: Request) -> dict[str, Any] | Response:
    """A picture's raw bytes, read in chunks and refused (413, IMAGE_TOO_LARGE) once past MEDIA_MAX_BYTES,
    without reading on. Any Content-Type: the content decides (services/media/images.py)."""
    settings: Settings = request.app.state.settings
    parts, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > settings.media_max_bytes:
            too_large = images.too_large(settings.media_max_bytes)
            return failure([error(too_large.code, too_large.message, "file")])
        parts.append(chunk)
    return {"file": b"".join(parts)}
