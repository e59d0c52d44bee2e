"""The account an update or a deletion acts on (README, Rules): one's own, or any for an admin; an unknown,
blocking or hidden account is NOT_FOUND alike, and another visible account is FORBIDDEN."""

from __future__ import annotations

import pytest

from models import User
from services.accounts import registration
from services.accounts.managed import managed_account
from services.errors import AccountError, Forbidden, NotFound
from services.people import blocks
from tests.domain.accounts.conftest import Register
from tests.domain.accounts.support import refused


async def test_no_name_is_the_actors_own_account(register: Register) -> None:
    ann = (await register("ann")).user

    assert (await managed_account(ann, None)).id == ann.id
    assert (await managed_account(ann, "ANN")).id == ann.id


async def test_another_visible_account_is_forbidden(register: Register) -> None:
    ann = (await register("ann")).user
    await register("bob")

    with pytest.raises(AccountError) as error:
        await managed_account(ann, "bob")

    refused(error, Forbidden, None)


async def test_unknown_blocking_and_hidden_accounts_are_not_found_alike(register: Register) -> None:
    ann = (await register("ann")).user
    bob, cat = (await register("bob")).user, (await register("cat")).user
    await blocks.block(actor=bob, user_name="ann")
    await User.filter(id=cat.id).update(account_deleted=True)

    for name in ("nobody", "bob", "cat"):
        with pytest.raises(AccountError) as error:
            await managed_account(ann, name)
        refused(error, NotFound, "userName")


async def test_an_admin_manages_every_account_hidden_ones_too(register: Register) -> None:
    cat = (await register("cat")).user
    await User.filter(id=cat.id).update(suspended_at=cat.created_at)
    await register("root")
    admin = await registration.grant_admin("root")

    assert (await managed_account(admin, "cat")).id == cat.id
