"""bcrypt hashing and checking of passwords."""

from __future__ import annotations

from services.passwords import hash_password, verify_password
from settings import Settings

PASSWORD = "correct horse battery staple"


async def test_hash_then_verify_round_trip(settings: Settings) -> None:
    hashed = await hash_password(PASSWORD, rounds=settings.bcrypt_rounds)

    assert hashed.startswith("$2b$04$")
    assert PASSWORD not in hashed
    assert await verify_password(PASSWORD, hashed, rounds=settings.bcrypt_rounds) is True


async def test_wrong_password_does_not_verify(settings: Settings) -> None:
    hashed = await hash_password(PASSWORD, rounds=settings.bcrypt_rounds)

    assert await verify_password(PASSWORD + "!", hashed, rounds=settings.bcrypt_rounds) is False
    assert await verify_password(PASSWORD.upper(), hashed, rounds=settings.bcrypt_rounds) is False


async def test_no_hash_never_verifies(settings: Settings) -> None:
    """An unknown user: the dummy hash is checked and the answer is always False."""
    for password in (PASSWORD, "dummy password, never matches"):
        assert await verify_password(password, None, rounds=settings.bcrypt_rounds) is False


async def test_72_byte_multibyte_password_round_trips(settings: Settings) -> None:
    password = "é" * 36  # 72 bytes of UTF-8, bcrypt's limit
    hashed = await hash_password(password, rounds=settings.bcrypt_rounds)

    assert await verify_password(password, hashed, rounds=settings.bcrypt_rounds) is True
    assert await verify_password("é" * 35 + "e", hashed, rounds=settings.bcrypt_rounds) is False


async def test_password_differing_after_a_nul_byte_does_not_verify(settings: Settings) -> None:
    """bcrypt must not stop at a NUL byte (C implementations did)."""
    hashed = await hash_password("abc\x00defgh", rounds=settings.bcrypt_rounds)

    assert await verify_password("abc\x00zzzzz", hashed, rounds=settings.bcrypt_rounds) is False


async def test_same_password_hashes_differently_each_time(settings: Settings) -> None:
    first = await hash_password(PASSWORD, rounds=settings.bcrypt_rounds)
    second = await hash_password(PASSWORD, rounds=settings.bcrypt_rounds)

    assert first != second
    assert await verify_password(PASSWORD, first, rounds=settings.bcrypt_rounds) is True
    assert await verify_password(PASSWORD, second, rounds=settings.bcrypt_rounds) is True


async def test_unknown_users_are_checked_against_a_dummy_hash_of_the_same_cost() -> None:
    """The dummy hash uses the configured rounds, so an unknown user costs one full bcrypt check."""
    from services.passwords import _dummy_hash

    assert _dummy_hash(5).startswith("$2b$05$")
    assert _dummy_hash(6).startswith("$2b$06$")
