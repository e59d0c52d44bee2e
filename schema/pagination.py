"""Cursor pagination shared by every list: ``PageInfo``, opaque cursors and the ``first`` bound.

A cursor names a place in one list (a row's id, a sort key), never an offset, so it stays valid while
rows are added or removed around it. Its text is an implementation detail: clients pass it back as is.
"""

from __future__ import annotations

import base64
import binascii
import json
from json.encoder import encode_basestring_ascii
from typing import Annotated, TypeVar

import strawberry

from services.errors import InvalidInput

FIRST_DEFAULT = 20
FIRST_MAX = 100

First = Annotated[
    int, strawberry.argument(description=f"How many entries to return, 1 to {FIRST_MAX} (default {FIRST_DEFAULT}).")
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an edge's cursor or pageInfo.endCursor); null: from the start."
    ),
]

P = TypeVar("P", int, str)


@strawberry.type(description="Where a page sits in its list, for fetching the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more entries follow; pass endCursor as after.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last entry; null for an empty page."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether entries come before this page (it began after a cursor)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first entry; null for an empty page."
    )

    @classmethod
    def of(cls, cursors: list[str], *, has_next: bool, after: str | None) -> PageInfo:
        return cls(
            has_next_page=has_next,
            end_cursor=cursors[-1] if cursors else None,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
        )


def check_first(first: int) -> int:
    if not 1 <= first <= FIRST_MAX:
        raise InvalidInput(f"first must be 1 to {FIRST_MAX}.", field="first")
    return first


def encode_cursor(kind: str, position: int | str) -> str:
    """An opaque cursor for ``position`` in a list of this ``kind``."""
    # The same text json.dumps([kind, position], separators=(",", ":")) gives, without its machinery (20 per
    # page): a kind is a plain word of ours; a text position is quoted and escaped as json.dumps does.
    if isinstance(position, int):
        raw = f'["{kind}",{position}]'.encode()
    else:
        raw = f'["{kind}",{encode_basestring_ascii(position)}]'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Bounds on what a cursor may hold, checked before anything reaches the database. The longest cursor the
# server writes (a list's tag and a 19-digit id, or a 25-character userName key) is about 60 characters.
CURSOR_MAX = 200
POSITION_MAX = 2**63 - 1  # a row id: a positive signed 64-bit integer (BIGINT) on every backend


def decode_cursor(cursor: str | None, kind: str, position_type: type[P], *, text_max: int = 0) -> P | None:
    """The position a cursor of this list names; BAD_USER_INPUT (``after``) for anything else.

    The one check of every list's ``after``: a cursor the server could have written for this list, or
    nothing. An int position is a row id (1 to ``POSITION_MAX``); a str position is printable text (no NUL,
    no lone surrogate, no control character) of at most ``text_max`` characters.
    """
    if cursor is None:
        return None
    decoded = _decoded(cursor)
    if isinstance(decoded, list) and len(decoded) == 2 and decoded[0] == kind:
        position = decoded[1]
        if position_type is int and type(position) is int and 1 <= position <= POSITION_MAX:
            return position  # type: ignore[return-value]
        if position_type is str and type(position) is str and len(position) <= text_max and position.isprintable():
            return position  # type: ignore[return-value]
    raise InvalidInput("after is not a cursor of this list.", field="after")


def _decoded(cursor: str) -> object:
    """The JSON inside a cursor, or None for text that is no cursor at all; short enough that neither its
    nesting nor its numbers can cost anything."""
    if len(cursor) > CURSOR_MAX or not cursor.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
