"""The unique columns of an account (userName, email, phoneNumber) and the CONFLICT that names the one taken."""

from __future__ import annotations

from collections.abc import Mapping

from models import User
from services.errors import Conflict

# Unique columns, in the order a conflict is reported, with the API field they come from.
UNIQUE_COLUMNS = {"user_name_key": "userName", "email_key": "email", "phone_number": "phoneNumber"}


async def conflict(columns: Mapping[str, object], *, exclude_id: int | None) -> Conflict:
    """Name the unique field a failed write collided on (asked after the transaction rolled back)."""
    for column, field in UNIQUE_COLUMNS.items():
        value = columns.get(column)
        if value is None:
            continue
        query = User.filter(**{column: value})
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        if await query.exists():
            return Conflict(f"That {field} is already taken.", field=field)
    return Conflict("A unique value is already taken.")
