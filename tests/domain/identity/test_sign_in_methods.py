"""One rule for every door that takes a way to sign in away (services/identity/sign_in_methods.py): a passkey,
a provider link and a password all count, and the account keeps at least one, even when two doors act at once."""

from __future__ import annotations

import asyncio

import pytest

from models import Passkey, ProviderLink, User
from services.client import Client
from services.errors import AccountError
from services.identity import passkeys, provider_accounts
from services.identity.sign_in_methods import LastSignInMethod
from tests.domain.identity.conftest import NewUser

CLIENT = Client("127.0.0.1")
ROUNDS = 30


async def _passwordless_with_a_passkey_and_a_link(new_user: NewUser, name: str) -> tuple[User, Passkey]:
    user = await new_user(name)
    await User.filter(id=user.id).update(password_hash="")
    await user.refresh_from_db()
    passkey = await Passkey.create(
        user=user,
        credential_key=f"{name}-key",
        credential_id=f"{name}-id",
        public_key="pk",
        user_handle=f"{name}-handle",
        name="Laptop",
    )
    await ProviderLink.create(user=user, provider="one", subject=f"{name}-subject")
    return user, passkey


async def test_a_passkey_and_a_link_count_for_each_other(new_user: NewUser) -> None:
    user, passkey = await _passwordless_with_a_passkey_and_a_link(new_user, "ann")

    await passkeys.delete(user=user, passkey_id=str(passkey.id), client=CLIENT)  # the link remains
    with pytest.raises(LastSignInMethod) as refused:
        await provider_accounts.unlink(user, "one", client=CLIENT)

    assert refused.value.extensions() == {"code": "CONFLICT", "field": "provider", "reason": "LAST_SIGN_IN_METHOD"}
    assert await ProviderLink.filter(user_id=user.id).count() == 1


async def test_removing_the_last_two_ways_at_once_leaves_one(new_user: NewUser) -> None:
    for round_ in range(ROUNDS):
        user, passkey = await _passwordless_with_a_passkey_and_a_link(new_user, f"u{round_}")
        barrier = asyncio.Barrier(2)

        async def delete_passkey(
            user: User = user, passkey: Passkey = passkey, barrier: asyncio.Barrier = barrier
        ) -> None:
            await barrier.wait()
            await passkeys.delete(user=user, passkey_id=str(passkey.id), client=CLIENT)

        async def unlink(user: User = user, barrier: asyncio.Barrier = barrier) -> None:
            await barrier.wait()
            await provider_accounts.unlink(user, "one", client=CLIENT)

        outcomes = await asyncio.gather(delete_passkey(), unlink(), return_exceptions=True)

        refused = [outcome for outcome in outcomes if isinstance(outcome, AccountError)]
        assert len(refused) == 1 and isinstance(refused[0], LastSignInMethod), outcomes
        left = await Passkey.filter(user_id=user.id).count() + await ProviderLink.filter(user_id=user.id).count()
        assert left == 1
