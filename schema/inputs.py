"""Input types. Absent fields are UNSET, which the update mutations leave untouched."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.input(
    description="A new account: userName and password are required, the rest optional. A field that breaks a "
    "rule is BAD_USER_INPUT; a taken userName, email or phoneNumber is CONFLICT. extensions.field names the field; "
    "every field at fault is its own error, in this input's field order."
)
class RegisterInput:
    user_name: str = strawberry.field(
        description="1-25 characters: A-Z a-z 0-9 _ . Unique, case-insensitive (John and john are one name)."
    )
    password: str = strawberry.field(
        description="8 to 128 characters (any characters; counted as characters, not bytes), not a common password, "
        "not the user name or email; stored only as a bcrypt hash of its HMAC-SHA-256."
    )
    email: str | None = strawberry.field(
        default=None,
        description="Email address; unique, case-insensitive. Visible only to the account's owner and admins.",
    )
    first_name: str | None = strawberry.field(default=None, description="At most 50 characters.")
    last_name: str | None = strawberry.field(default=None, description="At most 50 characters.")
    phone_number: str | None = strawberry.field(
        default=None, description="E.164, e.g. +1234567890; unique. Visible only to the account's owner and admins."
    )


@strawberry.input(
    description=(
        "Changes to an account. Leave a field out to keep it; send null to clear a nullable one "
        "(null for userName, firstName, lastName or a Boolean is BAD_USER_INPUT). A password change "
        "needs providedOldPassword and providedNewPassword together, and revokes every earlier token."
    )
)
class UpdateUserInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A full name: sets firstName to its first word and lastName to the rest. "
        "Not together with firstName or lastName.",
    )
    user_name: str | None = strawberry.field(default=strawberry.UNSET, description="New unique user name.")
    first_name: str | None = strawberry.field(default=strawberry.UNSET, description="At most 50 characters.")
    last_name: str | None = strawberry.field(default=strawberry.UNSET, description="At most 50 characters.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="Unique email address.")
    phone_number: str | None = strawberry.field(default=strawberry.UNSET, description="Unique E.164 number.")
    bio: str | None = strawberry.field(default=strawberry.UNSET, description="At most 200 characters.")
    profile_image: str | None = strawberry.field(default=strawberry.UNSET, description="http(s) URL.")
    website: str | None = strawberry.field(default=strawberry.UNSET, description="http(s) URL.")
    gender: str | None = strawberry.field(default=strawberry.UNSET, description="At most 20 characters.")
    push_notifications: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Push notifications on/off."
    )
    account_privacy: bool | None = strawberry.field(default=strawberry.UNSET, description="Private account on/off.")
    verified: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Admins only: anyone else who sends it gets FORBIDDEN."
    )
    provided_old_password: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Current password: needed for a password change, and alone for an email change unless the "
        "session signed in within RECENT_SIGN_IN_SECONDS (an admin changing someone's email sends the admin's own). "
        "A wrong one counts as a failed login.",
    )
    provided_new_password: str | None = strawberry.field(
        default=strawberry.UNSET, description="New password: 8 to 128 characters, register's password rules."
    )

    def given(self) -> dict[str, Any]:
        """The profile fields the client sent (password fields apart), keyed by model attribute."""
        skip = {"provided_old_password", "provided_new_password"}
        return {name: value for name, value in vars(self).items() if value is not strawberry.UNSET and name not in skip}
