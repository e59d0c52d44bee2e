"""Passwords of 8 to 128 characters, whatever their bytes (ASVS 6.2.9), and hashes of the old scheme.

A hash written before the pre-hash (bcrypt of the password itself, 72 bytes at most) still logs in,
and is replaced by one of the current scheme on that login.
"""

from __future__ import annotations

import bcrypt
import pytest

from models import User
from services.identity import passwords
from tests.support import PASSWORD, REGISTER, Api

LONG_PASSWORDS = [
    pytest.param("é" * 64, id="64-chars-128-bytes"),
    pytest.param("a" * 128, id="128-ascii"),
    pytest.param("😀" * 128, id="128-chars-512-bytes"),
]
TOO_LONG = "a" * 129


def plain_bcrypt(password: str) -> str:
    """A hash as the code before issue 9 wrote it."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(4)).decode("ascii")


async def stored_hash(user_name: str) -> str:
    return (await User.get(user_name_key=user_name.casefold())).password_hash


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_a_long_password_registers_and_logs_in_and_only_all_of_it_does(api: Api, password: str) -> None:
    await api.register(password=password)

    assert not (await api.login("john_doe", password)).errors
    assert (await api.login("john_doe", password[:-1] + "!")).code == "UNAUTHENTICATED"
    assert (await api.login("john_doe", password[:36])).code == "UNAUTHENTICATED"


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_a_password_can_be_changed_to_and_from_a_long_one(api: Api, password: str) -> None:
    account = await api.register()

    changed = await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword=password)
    assert not changed.errors, changed.body
    assert (await api.login("john_doe", PASSWORD)).code == "UNAUTHENTICATED"
    login = (await api.login("john_doe", password)).data["login"]

    account.token = login["accessToken"]
    back = await api.update_user(account, providedOldPassword=password, providedNewPassword="back-to-short-one")
    assert not back.errors, back.body
    assert not (await api.login("john_doe", "back-to-short-one")).errors


async def test_129_characters_are_refused_at_registration(api: Api) -> None:
    result = await api.execute(REGISTER, {"input": {"userName": "john_doe", "password": TOO_LONG}})

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")
    assert "128 characters" in result.error["message"]
    assert (await api.login("john_doe", TOO_LONG[:-1])).code == "UNAUTHENTICATED"  # nobody was registered


async def test_129_characters_are_refused_at_login(api: Api) -> None:
    await api.register(password=TOO_LONG[:-1])

    result = await api.login("john_doe", TOO_LONG)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"providedOldPassword": PASSWORD, "providedNewPassword": "é" * 129}, "providedNewPassword"),
        ({"providedOldPassword": TOO_LONG, "providedNewPassword": "a-new-password"}, "providedOldPassword"),
    ],
    ids=["new", "old"],
)
async def test_129_characters_are_refused_in_a_password_change(api: Api, given: dict[str, str], field: str) -> None:
    account = await api.register()

    result = await api.update_user(account, **given)

    assert (result.code, result.field) == ("BAD_USER_INPUT", field)
    assert not (await api.login("john_doe", PASSWORD)).errors


async def test_a_legacy_hash_logs_in_and_is_upgraded_on_that_login(api: Api) -> None:
    await api.register()
    legacy = plain_bcrypt(PASSWORD)
    await User.filter(user_name_key="john_doe").update(password_hash=legacy)

    assert (await api.login("john_doe", PASSWORD + "!")).code == "UNAUTHENTICATED"
    assert await stored_hash("john_doe") == legacy  # a failed login changes nothing
    first = await api.login("john_doe", PASSWORD)

    assert not first.errors, first.body
    upgraded = await stored_hash("john_doe")
    assert upgraded != legacy
    assert upgraded.startswith("$hb$04$")  # the current scheme, at the configured cost
    assert not bcrypt.checkpw(PASSWORD.encode(), ("$2b$" + upgraded[4:]).encode())  # not the password itself
    assert not (await api.login("john_doe", PASSWORD)).errors
    assert (await api.login("john_doe", PASSWORD + "!")).code == "UNAUTHENTICATED"
    assert await stored_hash("john_doe") == upgraded  # upgraded once, then left alone


async def test_a_legacy_hash_never_matches_a_longer_password_sharing_its_first_72_bytes(api: Api) -> None:
    await api.register()
    old = "é" * 36  # 72 bytes, the most the old scheme held
    await User.filter(user_name_key="john_doe").update(password_hash=plain_bcrypt(old))

    assert (await api.login("john_doe", "é" * 64)).code == "UNAUTHENTICATED"
    assert not (await api.login("john_doe", old)).errors


async def test_an_upgrade_never_overwrites_a_password_changed_since_the_check(api: Api) -> None:
    """A login checked the legacy hash; before it writes the new one, the password is changed."""
    await api.register()
    await User.filter(user_name_key="john_doe").update(password_hash=plain_bcrypt(PASSWORD))
    checked = await User.get(user_name_key="john_doe")
    changed = await passwords.hash_password("changed-meanwhile", rounds=4)
    await User.filter(id=checked.id).update(password_hash=changed)

    await passwords.upgrade_legacy_hash(checked, PASSWORD, rounds=4)

    assert await stored_hash("john_doe") == changed
    assert (await api.login("john_doe", PASSWORD)).code == "UNAUTHENTICATED"
    assert not (await api.login("john_doe", "changed-meanwhile")).errors
