"""The response ceiling: a GraphQL response over MAX_RESPONSE_BYTES is replaced by an error, never sent.

The query budget (schema/cost.py) bounds how many fields a document may ask for, not how long their values
are (a page of users with 2 KB websites and images): the encoded response is measured, once, where it is
encoded anyway, and the bytes are kept so the view does not encode it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CODE = "RESPONSE_TOO_LARGE"


class EncodedResponse(dict[str, Any]):
    """A response body (the dict the view would encode) with its encoding."""

    def __init__(self, body: dict[str, Any], encoded: bytes, *, refused: bool = False) -> None:
        super().__init__(body)
        self.encoded = encoded
        self.refused = refused  # the body is the RESPONSE_TOO_LARGE error in place of the response


def within_limit(body: dict[str, Any], encode: Callable[[object], bytes], max_bytes: int) -> EncodedResponse:
    """``body`` encoded, or the RESPONSE_TOO_LARGE error in its place when the encoding is over ``max_bytes``."""
    encoded = encode(body)
    if len(encoded) <= max_bytes:
        return EncodedResponse(body, encoded)
    refusal = {
        "data": None,
        "errors": [
            {
                "message": f"The response is {len(encoded)} bytes, over the limit of {max_bytes}, and was not sent: "
                "ask for fewer fields or smaller pages (first).",
                "extensions": {"code": CODE, "bytes": len(encoded), "maxBytes": max_bytes},
            }
        ],
    }
    return EncodedResponse(refusal, encode(refusal), refused=True)
