"""undoEmailChange: the link in the notice mailed to the old address when the email changes."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from schema.context import Context
from services.accounts import email_undo

UndoToken = Annotated[
    str,
    strawberry.argument(description="The token from the notice mailed to the old address (the link's token)."),
]


@strawberry.type
class EmailUndoMutation:
    @strawberry.mutation(
        description="Undo an email change with the token mailed to the old address; no access token needed. The "
        "old address is restored (verified), and every session and access token of the account ends (then reset "
        "the password: the reset mail now goes to the restored address). The token works once, expires "
        "(UNDO_EMAIL_CHANGE_TTL, 7 days by default), and also undoes any later email change. Always true. "
        "Errors: BAD_USER_INPUT with extensions.field token (unknown, used or expired token: one error for all), "
        "CONFLICT with extensions.field token (another account has taken the old address since).",
    )
    async def undo_email_change(self, info: Info[Context, Any], token: UndoToken) -> bool:
        context = info.context
        await email_undo.undo(token=token, settings=context.settings, client=context.client)
        return True
