"""Arguments shared by several operations, described once: GraphiQL's docs pane shows these next to every field."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.permission import BasePermission

from schema.inputs import RegisterInput, UpdateUserInput
from schema.permissions import IsAuthenticated

Auth: list[type[BasePermission]] = [IsAuthenticated]

TargetName = Annotated[
    str,
    strawberry.argument(description="The user's name, in any case (john_doe and John_Doe are one user)."),
]
LoginName = Annotated[
    str,
    strawberry.argument(description="The user name (any case) or the email address given at registration."),
]
LoginPassword = Annotated[str, strawberry.argument(description="The account's password, at most 128 characters.")]
Otp = Annotated[
    str | None,
    strawberry.argument(
        description="With two-factor sign-in on: the current 6-digit code from the authenticator app, or an unused "
        "recovery code. Ignored for accounts without it, unless it is no code at all (BAD_USER_INPUT)."
    ),
]
RefreshToken = Annotated[
    str, strawberry.argument(description="A refreshToken from register, login or an earlier refreshToken.")
]
Register = Annotated[RegisterInput, strawberry.argument(description="The new account's fields.")]
Changes = Annotated[
    UpdateUserInput,
    strawberry.argument(description="The fields to change; a field left out stays as it is, null clears it."),
]
