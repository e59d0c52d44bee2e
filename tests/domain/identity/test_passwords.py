"""The stored hash (README Security, passwords' docstring): a legacy bcrypt hash is replaced by the current scheme
after a successful check, unless the password changed meanwhile. Hashing itself: tests/unit/test_passwords.py."""

from __future__ import annotations

import bcrypt

from models import User
from services.identity import passwords
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser


def legacy_hash(password: str) -> str:
    """A hash as written before the pre-hash: bcrypt of the password itself."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(4)).decode("ascii")


async def test_a_legacy_hash_is_replaced_once_the_password_is_known(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    await User.filter(id=user.id).update(password_hash=legacy_hash(PASSWORD))
    await user.refresh_from_db()

    await passwords.upgrade_legacy_hash(user, PASSWORD, rounds=settings.bcrypt_rounds)

    stored = (await User.get(id=user.id)).password_hash
    assert stored.startswith(passwords.PREHASHED) and stored == user.password_hash
    assert await passwords.verify_password(PASSWORD, stored, rounds=settings.bcrypt_rounds)


async def test_a_password_changed_meanwhile_is_never_overwritten(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    await User.filter(id=user.id).update(password_hash=legacy_hash(PASSWORD))
    await user.refresh_from_db()
    await User.filter(id=user.id).update(password_hash="changed meanwhile")

    await passwords.upgrade_legacy_hash(user, PASSWORD, rounds=settings.bcrypt_rounds)

    assert (await User.get(id=user.id)).password_hash == "changed meanwhile"


async def test_a_current_hash_is_left_alone(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()

    await passwords.upgrade_legacy_hash(user, PASSWORD, rounds=settings.bcrypt_rounds)

    assert (await User.get(id=user.id)).password_hash == user.password_hash
