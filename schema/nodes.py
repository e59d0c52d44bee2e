"""Global ids: the Relay ``Node`` interface and its ``id``, which client caches key objects by.

An id is base64 of ``"<Type>:<row id>"`` (standard alphabet, padded), as graphql-relay and
``strawberry.relay`` write it: stable (the same for the same account, whatever the request) and opaque to
clients, which pass it back as is. Making one is a string operation on what the row already holds: it
costs no query.
"""

from __future__ import annotations

import base64
import binascii

import strawberry

from schema.pagination import POSITION_MAX
from services.errors import InvalidInput

# The types node(id:) resolves. An id naming any other type was not written by this server.
NODE_TYPES = frozenset({"User"})
ID_MAX = 64  # far over the longest id written ("User:" and 19 digits is 32 characters)


@strawberry.interface(
    description="An object with a global id (the Relay Node interface): fetch it again with node(id:), and let a "
    "client cache key it by __typename and id."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global id: stable (the same for the same object in every answer), unique across types, and "
        "opaque: pass it back as is (to node(id:), or as a cache key), never parse it."
    )


def global_id(type_name: str, row_id: int) -> strawberry.ID:
    """The global id of row ``row_id`` of ``type_name`` (well under a microsecond: every user of a
    page gets one, selected or not)."""
    return strawberry.ID(binascii.b2a_base64(f"{type_name}:{row_id}".encode(), newline=False).decode())


def parse_global_id(value: str, *, field: str = "id") -> tuple[str, int]:
    """The type and row id a global id names; BAD_USER_INPUT (``field``) for anything this server did not write.

    Only the one spelling ``global_id`` writes is accepted: no other padding, no leading zeros, no
    other alphabet, so an object has exactly one id."""
    if len(value) <= ID_MAX and value.isascii():
        try:
            type_name, _, row = base64.b64decode(value, validate=True).decode("ascii").partition(":")
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            type_name, row = "", ""
        valid = type_name in NODE_TYPES and row.isdecimal() and 1 <= int(row) <= POSITION_MAX
        if valid and global_id(type_name, int(row)) == value:
            return type_name, int(row)
    raise InvalidInput(f"{field} is not an id this server gave out (an object's id field).", field=field)
