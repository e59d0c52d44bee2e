"""The REST door's answers: JSON bodies, HTTP statuses and headers, from GraphQL's answer or the door's own checks.

Every failure has one shape, ``{"error": <the first error>, "errors": [<every error>]}``, each error
``{"code", "message"}`` plus ``field`` (the body field or path parameter at fault, in the name the client sent)
and whatever else GraphQL's ``extensions`` carry (``reason``, ``retryAfter``). All of GraphQL's errors pass
through, in its order; the status is the first error's code's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

# GraphQL's extensions.code -> HTTP status. Any other code (a document of the door's own failing validation
# would be a bug of the server) is a 500.
STATUS = {
    "BAD_REQUEST": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "BAD_USER_INPUT": 422,
    "TOO_MANY_REQUESTS": 429,
    "IMAGE_TOO_LARGE": 413,  # a profile picture over MEDIA_MAX_BYTES
    "IMAGE_TOO_MANY_PIXELS": 422,
    "IMAGE_UNSUPPORTED": 422,
    "IMAGE_UNREADABLE": 422,
    "INTERNAL_SERVER_ERROR": 500,
    "RESPONSE_TOO_LARGE": 500,
}
HEADERS = {"Cache-Control": "no-store"}  # answers carry tokens and personal data: no cache may keep them

# graphql-core's variable errors, as schema/echoes.py leaves them (values removed).
_VARIABLE = re.compile(
    r"Variable '\$(?P<variable>\w+)' has invalid value(?: at (?P<path>[.\w\[\]]+))?: (?P<inner>.*)", re.S
)
_NOT_PROVIDED = re.compile(
    r"Variable '\$(?P<variable>\w+)' of (?:required|non-null) type '[^']*' (?:was not provided|must not be null)\."
)
_REQUIRED_FIELD = re.compile(r"Expected value of type '[^']*' to include required field '(?P<field>\w+)'\.")
_NULL = re.compile(r"Expected value of (?:non-null )?type '[^']*!'(?: not to be None)?\.?")
_ABSENT = re.compile(r"Expected a value of non-null type '[^']*' to be provided\.")
_CANNOT_REPRESENT = re.compile(r"(?P<type>\w+) cannot represent")
_KINDS = {"String": "a string", "ID": "a string", "Boolean": "true or false", "Int": "an integer", "Float": "a number"}


def encode(body: object) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # lone surrogates (json.loads accepts them in a request): json's escapes
        return json.dumps(body).encode()


def answer(body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        encode(body), status_code=status, media_type="application/json", headers={**HEADERS, **(headers or {})}
    )


def error(code: str, message: str, field: str | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        item["field"] = field
    item.update(more)
    return item


def failure(errors: Sequence[dict[str, Any]], *, headers: Mapping[str, str] | None = None) -> Response:
    """The answer for ``errors`` (at least one): the first one's status, every one in the body."""
    status = STATUS.get(errors[0]["code"], 500)
    extra = dict(headers or {})
    retry = [item["retryAfter"] for item in errors if isinstance(item.get("retryAfter"), int)]
    if status == 429 and retry:
        extra["Retry-After"] = str(max(retry))
    return answer({"error": errors[0], "errors": list(errors)}, status, extra)


def from_graphql(errors: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """GraphQL's errors as the door's, every one of them: the fields renamed as the client sent them
    (``names``: GraphQL input field or argument -> body field), variable errors told in the body's terms."""
    return [_from_graphql(graphql_error, names) for graphql_error in errors]


def _from_graphql(graphql_error: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    extensions = dict(graphql_error.get("extensions") or {})
    code = str(extensions.pop("code", "INTERNAL_SERVER_ERROR"))
    field = extensions.pop("field", None)
    message = str(graphql_error.get("message", ""))
    told = _variable_error(message, field, names)
    if told is not None:
        field, message = told
    elif isinstance(field, str):
        rest_name = names.get(field, field)
        if rest_name != field and message.startswith(field + " "):  # "userName must be ..." -> "username must be"
            message = rest_name + message[len(field) :]
        field = rest_name
    return error(code, message, field if isinstance(field, str) else None, **extensions)


def _variable_error(message: str, field: object, names: Mapping[str, str]) -> tuple[str, str] | None:
    """(body field, message) for graphql-core's errors about a variable's value, None for any other error."""
    missing = _NOT_PROVIDED.fullmatch(message)
    if missing:
        name = names.get(missing["variable"], missing["variable"])
        if message.endswith("must not be null."):
            return name, f"{name} must not be null."
        return name, f"{name} is required."
    found = _VARIABLE.fullmatch(message)
    if found is None:
        return None
    inner = found["inner"].strip()
    required = _REQUIRED_FIELD.fullmatch(inner)
    graphql_name = required["field"] if required else field if isinstance(field, str) else None
    if graphql_name is None:
        path = re.findall(r"\.(\w+)", found["path"] or "")
        graphql_name = path[-1] if path else found["variable"]
    name = names.get(graphql_name, graphql_name)
    if required or _ABSENT.fullmatch(inner):
        return name, f"{name} is required."
    if _NULL.fullmatch(inner):
        return name, f"{name} must not be null."
    kind = _CANNOT_REPRESENT.match(inner)
    if kind and kind["type"] in _KINDS:
        return name, f"{name} must be {_KINDS[kind['type']]}."
    return name, f"{name}: {inner}"
