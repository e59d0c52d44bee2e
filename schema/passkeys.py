"""Output types of passkeys (WebAuthn)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import Passkey as PasskeyModel


@strawberry.type(description="A passkey of the caller: signs in to the account without a password.")
class Passkey:
    id: strawberry.ID = strawberry.field(description="The passkey's id; renamePasskey and deletePasskey take it.")
    name: str = strawberry.field(description='The name its owner gave it ("Passkey" unless named).')
    created_at: datetime = strawberry.field(description="When it was registered, UTC.")
    last_used_at: datetime | None = strawberry.field(description="Its last sign-in, UTC; null before the first.")
    backed_up: bool = strawberry.field(
        description="Whether the authenticator syncs it (a multi-device passkey, e.g. in a password manager)."
    )

    @classmethod
    def from_model(cls, passkey: PasskeyModel) -> Passkey:
        return cls(
            id=strawberry.ID(str(passkey.id)),
            name=passkey.name,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
            backed_up=passkey.backed_up,
        )
