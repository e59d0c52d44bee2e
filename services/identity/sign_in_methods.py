"""The ways an account can sign in: its password, its passkeys, its links to providers.

One rule for every door that takes a way away (deleting a passkey, unlinking a provider): the account keeps at
least one. Each such door locks the account's row first (``locked``), so two removals at once (the last passkey
and the last link) cannot both pass the count. Mailed sign-in codes do not count: they reach whoever holds the
mailbox, a way to recover, not a way the person chose to sign in.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import Passkey, ProviderLink, User
from services.errors import Conflict, NotFound

LAST_SIGN_IN_METHOD = "LAST_SIGN_IN_METHOD"


class LastSignInMethod(Conflict):
    """Removing this would leave the account no way to sign in: CONFLICT, ``reason: LAST_SIGN_IN_METHOD``."""

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": LAST_SIGN_IN_METHOD}


@dataclass(frozen=True)
class Ways:
    password: bool
    passkeys: int
    providers: int

    @property
    def count(self) -> int:
        return int(self.password) + self.passkeys + self.providers


def has_password(user: User) -> bool:
    """Whether the account can sign in with a password: one made by a provider has none (an empty
    ``password_hash``) until its owner sets one."""
    return bool(user.password_hash)


async def locked(user_id: int) -> Ways:
    """The account's ways to sign in, its row locked until the surrounding transaction ends."""
    owner = await User.filter(id=user_id).select_for_update().only("id", "password_hash").first()
    if owner is None:
        raise NotFound("No such account.")
    return Ways(
        password=has_password(owner),
        passkeys=await Passkey.filter(user_id=user_id).count(),
        providers=await ProviderLink.filter(user_id=user_id).count(),
    )


def keep_one(ways: Ways, message: str, *, field: str | None = None) -> None:
    """Refuse to take one way away from ``ways`` when it is the last."""
    if ways.count <= 1:
        raise LastSignInMethod(message, field=field)
