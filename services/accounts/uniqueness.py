"""The unique columns of an account (userName, email, phoneNumber) and the CONFLICT that names each one taken."""

from __future__ import annotations

from collections.abc import Mapping

from models import User
from services.errors import Conflict, TakenFields

# Unique columns, in the order a conflict is reported, with the API field they come from.
UNIQUE_COLUMNS = {"user_name_key": "userName", "email_key": "email", "phone_number": "phoneNumber"}


async def conflict(columns: Mapping[str, object], *, exclude_id: int | None) -> Conflict:
    """Name the unique fields a failed write collided on (asked after the transaction rolled back): one
    Conflict, or TakenFields with one per taken field when several are (one indexed look-up per field)."""
    taken: list[Conflict] = []
    for column, field in UNIQUE_COLUMNS.items():
        value = columns.get(column)
        if value is None:
            continue
        query = User.filter(**{column: value})
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        if await query.exists():
            taken.append(Conflict(f"That {field} is already taken.", field=field))
    if len(taken) > 1:
        return TakenFields(taken)
    return taken[0] if taken else Conflict("A unique value is already taken.")
