"""Hashing and checking of passwords: bcrypt of a keyed SHA-256 pre-hash, and legacy plain bcrypt."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import bcrypt
import pytest

from services.identity.passwords import CORES, HASHING_NICENESS, hash_password, is_legacy, verify_password
from settings import Settings

PASSWORD = "correct horse battery staple"


async def test_hash_then_verify_round_trip(settings: Settings) -> None:
    hashed = await hash_password(PASSWORD, rounds=settings.bcrypt_rounds)

    assert hashed.startswith("$hb$04$")  # the pre-hash scheme's marker, then bcrypt's cost
    assert len(hashed) == 60  # fits users.password_hash as it is
    assert PASSWORD not in hashed
    assert not is_legacy(hashed)
    assert await verify_password(PASSWORD, hashed, rounds=settings.bcrypt_rounds) is True


async def test_wrong_password_does_not_verify(settings: Settings) -> None:
    hashed = await hash_password(PASSWORD, rounds=settings.bcrypt_rounds)

    assert await verify_password(PASSWORD + "!", hashed, rounds=settings.bcrypt_rounds) is False
    assert await verify_password(PASSWORD.upper(), hashed, rounds=settings.bcrypt_rounds) is False


async def test_no_hash_never_verifies(settings: Settings) -> None:
    """An unknown user: the dummy hash is checked and the answer is always False."""
    for password in (PASSWORD, "dummy password, never matches"):
        assert await verify_password(password, None, rounds=settings.bcrypt_rounds) is False


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("é" * 64, id="64-chars-128-bytes"),
        pytest.param("a" * 128, id="128-ascii"),
        pytest.param("😀" * 128, id="128-chars-512-bytes"),
    ],
)
async def test_passwords_beyond_72_bytes_round_trip_and_every_character_counts(
    settings: Settings, password: str
) -> None:
    hashed = await hash_password(password, rounds=settings.bcrypt_rounds)

    assert await verify_password(password, hashed, rounds=settings.bcrypt_rounds) is True
    # bcrypt alone would look at the first 72 bytes only (or refuse): a change at the end must count.
    assert await verify_password(password[:-1] + "!", hashed, rounds=settings.bcrypt_rounds) is False
    assert await verify_password(password[:-1], hashed, rounds=settings.bcrypt_rounds) is False


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
    from services.identity.passwords import _dummy_hash

    assert _dummy_hash(5).startswith("$hb$05$")
    assert _dummy_hash(6).startswith("$hb$06$")


def legacy_hash(password: str) -> str:
    """A hash as written before the pre-hash: bcrypt of the password itself."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(4)).decode("ascii")


async def test_a_legacy_plain_bcrypt_hash_still_verifies(settings: Settings) -> None:
    hashed = legacy_hash(PASSWORD)

    assert is_legacy(hashed)
    assert await verify_password(PASSWORD, hashed, rounds=settings.bcrypt_rounds) is True
    assert await verify_password(PASSWORD + "!", hashed, rounds=settings.bcrypt_rounds) is False


async def test_a_legacy_hash_never_matches_a_password_over_72_bytes(settings: Settings) -> None:
    """The old scheme held at most 72 bytes; a longer password sharing them is another password."""
    hashed = legacy_hash("é" * 36)  # 72 bytes

    assert await verify_password("é" * 36, hashed, rounds=settings.bcrypt_rounds) is True
    assert await verify_password("é" * 37, hashed, rounds=settings.bcrypt_rounds) is False
    assert await verify_password("é" * 64, hashed, rounds=settings.bcrypt_rounds) is False


def _threads() -> dict[int, tuple[int, int]]:
    """Every thread of this process as the OS sees it (``top -H``): id -> (CPU ticks used, niceness)."""
    found = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(task.name)] = (int(fields[11]) + int(fields[12]), int(fields[16]))
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads threads' CPU time and niceness from /proc")
async def test_hashing_uses_at_most_one_thread_per_core_each_nicer_than_the_event_loop() -> None:
    """What an operator sees in ``top -H`` during a login flood: the threads that do the hashing, no more
    than the cores, each at a niceness HASHING_NICENESS above the thread that serves requests."""
    loop_thread = threading.get_native_id()
    before = _threads()

    # Cost 10 (about 50 ms a hash): enough CPU time per thread to show in the tick counts.
    await asyncio.gather(*(hash_password(PASSWORD, rounds=10) for _ in range(3 * CORES)))

    after = _threads()
    hashing = [tid for tid, (ticks, _) in after.items() if tid != loop_thread and ticks > before.get(tid, (0, 0))[0]]
    loop_niceness = after[loop_thread][1]
    assert 1 <= len(hashing) <= CORES
    for tid in hashing:
        assert after[tid][1] == min(19, loop_niceness + HASHING_NICENESS)
