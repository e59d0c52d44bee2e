"""Passkeys (README, Passkeys): a software authenticator of our own (tests/support/authenticator.py, real P-256
keys) registers passkeys and signs in with them; each refusal the issue lists has its reason; challenges are
single use on every backend (the database's and Redis's), expire, and a replay sent twice at once gets in once."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as redis
from cryptography.hazmat.primitives.asymmetric import ec

from models import OutboxMail, Passkey, PasskeyChallenge, SecurityEvent, Session, User
from services.client import Client
from services.errors import NotFound, RecentSignInRequired, SecondFactorNeeded, TooManyRequests
from services.identity import passkey_challenges, passkeys, sign_in
from services.identity.passkeys import BadCredential, PasskeyConflict, PasskeysOff, SignInRefused
from services.identity.sign_in_methods import LastSignInMethod
from services.throttle import Throttle
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser
from tests.support import replace
from tests.support.authenticator import SoftAuthenticator

CLIENT = Client("192.0.2.1", "pytest")
ROUNDS = 30
STORES = ["database"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture(params=STORES)
async def store_settings(request: pytest.FixtureRequest, db: str, settings: Settings) -> AsyncIterator[Settings]:
    """The settings with challenges in the database, or in Redis (TEST_REDIS_URL) under a prefix of its own."""
    if request.param == "database":
        yield settings
        return
    url = os.environ["TEST_REDIS_URL"]
    prefix = f"test-passkeys-{secrets.token_hex(4)}:"
    yield replace(settings, redis_url=url, redis_prefix=prefix)
    async with redis.from_url(url) as client:
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)


async def register(
    user: User, settings: Settings, authenticator: SoftAuthenticator, name: str | None = None
) -> Passkey:
    options = await passkeys.begin_registration(user=user, settings=settings, signed_in_at=time.time(), client=CLIENT)
    return await passkeys.finish_registration(
        user=user, credential=authenticator.create(options), name=name, settings=settings, client=CLIENT
    )


async def sign_in_with(
    authenticator: SoftAuthenticator,
    settings: Settings,
    throttle: Throttle,
    user_name: str | None = None,
    **knobs: object,
) -> sign_in.SignedIn:
    options = await passkeys.begin_login(user_name=user_name, settings=settings)
    credential = authenticator.get(options, **knobs)  # type: ignore[arg-type]
    return await passkeys.finish_login(credential=credential, settings=settings, throttle=throttle, client=CLIENT)


async def kinds(user: User) -> list[str]:
    return [event.kind for event in await SecurityEvent.filter(user_id=user.id).order_by("id")]


async def test_a_registered_passkey_signs_in_without_the_totp_code_and_the_session_says_how(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user("ann", email="ann@example.com")
    authenticator = SoftAuthenticator()
    passkey = await register(user, settings, authenticator, name="Laptop")
    await User.filter(id=user.id).update(two_factor_enabled=True)  # a password login now needs a code

    with pytest.raises(SecondFactorNeeded):
        await sign_in.login(user_name="ann", password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT)
    signed_in = await sign_in_with(authenticator, settings, throttle)

    assert signed_in.user.id == user.id
    session = await Session.get(id=signed_in.refresh_token.session_id)
    assert session.method == "passkey"
    stored = await Passkey.get(id=passkey.id)
    assert (stored.name, stored.sign_count, stored.last_used_at is not None) == ("Laptop", 2, True)
    assert await kinds(user) == ["PASSKEY_ADDED", "PASSKEY_SIGN_IN"]
    mail = await OutboxMail.get(template="passkey_added")
    assert mail.recipient == "ann@example.com" and "Laptop" in mail.data


async def test_a_password_login_still_makes_a_password_session(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user("ann")

    signed_in = await sign_in.login(
        user_name="ann", password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT
    )

    assert (await Session.get(id=signed_in.refresh_token.session_id)).method == "password"


async def test_an_authenticator_without_a_counter_signs_in_again_and_again(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator(counter_step=0)  # e.g. Apple's synced passkeys always send 0
    await register(user, settings, authenticator)

    for _ in range(3):
        assert (await sign_in_with(authenticator, settings, throttle)).user.id == user.id


async def test_sign_in_with_a_user_name_refuses_a_passkey_of_another_account(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann, _ = await new_user("ann"), await new_user("bob")
    authenticator = SoftAuthenticator()
    await register(ann, settings, authenticator)

    with pytest.raises(SignInRefused) as refused:
        await sign_in_with(authenticator, settings, throttle, user_name="bob")
    with pytest.raises(SignInRefused) as nobody:
        await sign_in_with(authenticator, settings, throttle, user_name="nobody")

    assert refused.value.reason == nobody.value.reason == passkeys.UNKNOWN
    assert (await sign_in_with(authenticator, settings, throttle, user_name="ANN")).user.id == ann.id


async def test_an_unregistered_passkey_is_refused(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    passkey = await register(user, settings, authenticator)
    await Passkey.filter(id=passkey.id).delete()

    with pytest.raises(SignInRefused) as refused:
        await sign_in_with(authenticator, settings, throttle)

    assert refused.value.reason == passkeys.UNKNOWN
    assert refused.value.extensions() == {"code": "UNAUTHENTICATED", "reason": "PASSKEY_UNKNOWN"}


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"origin": "https://evil.example"}, passkeys.ORIGIN_MISMATCH),
        ({"rp_id": "evil.example"}, passkeys.RP_ID_MISMATCH),
        ({"user_verified": False}, passkeys.USER_VERIFICATION_MISSING),
    ],
)
async def test_a_sign_in_failing_a_ceremony_check_is_refused_with_its_reason(
    new_user: NewUser, settings: Settings, throttle: Throttle, knobs: dict[str, object], reason: str
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, settings, authenticator)

    with pytest.raises(SignInRefused) as refused:
        await sign_in_with(authenticator, settings, throttle, **knobs)

    assert refused.value.reason == reason
    assert await kinds(user) == ["PASSKEY_ADDED", "LOGIN_FAILED"]
    assert not await Session.filter(user_id=user.id).exists()


async def test_a_signature_by_another_key_is_refused(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, settings, authenticator)

    with pytest.raises(SignInRefused) as refused:
        await sign_in_with(authenticator, settings, throttle, signing_key=ec.generate_private_key(ec.SECP256R1()))

    assert refused.value.reason == passkeys.SIGNATURE_INVALID
    assert await kinds(user) == ["PASSKEY_ADDED", "LOGIN_FAILED"]


async def test_a_counter_that_goes_backwards_is_refused_and_recorded_as_a_cloned_authenticator(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, settings, authenticator)
    await sign_in_with(authenticator, settings, throttle)  # the counter is 2 now

    with pytest.raises(SignInRefused) as backwards:
        await sign_in_with(authenticator, settings, throttle, sign_count=1)
    with pytest.raises(SignInRefused) as same:
        await sign_in_with(authenticator, settings, throttle, sign_count=2)

    assert backwards.value.reason == same.value.reason == passkeys.SIGN_COUNT_REGRESSED
    assert (await kinds(user))[-2:] == ["PASSKEY_CLONE_SUSPECTED", "PASSKEY_CLONE_SUSPECTED"]
    assert (await Passkey.get(user_id=user.id)).sign_count == 2


async def test_a_forged_low_counter_is_a_bad_signature_not_a_clone(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, settings, authenticator)
    await sign_in_with(authenticator, settings, throttle)

    with pytest.raises(SignInRefused) as refused:
        await sign_in_with(
            authenticator, settings, throttle, sign_count=1, signing_key=ec.generate_private_key(ec.SECP256R1())
        )

    assert refused.value.reason == passkeys.SIGNATURE_INVALID
    assert "PASSKEY_CLONE_SUSPECTED" not in await kinds(user)


async def test_failed_passkey_sign_ins_count_in_the_login_throttle(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, settings, authenticator)
    for _ in range(settings.login_max_failures):
        with pytest.raises(SignInRefused):
            await sign_in_with(authenticator, settings, throttle, signing_key=ec.generate_private_key(ec.SECP256R1()))

    with pytest.raises(TooManyRequests):
        await sign_in_with(authenticator, settings, throttle)  # even the right passkey waits
    with pytest.raises(TooManyRequests):
        await sign_in.login(user_name="ann", password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT)


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"origin": "https://evil.example"}, passkeys.ORIGIN_MISMATCH),
        ({"rp_id": "evil.example"}, passkeys.RP_ID_MISMATCH),
        ({"user_verified": False}, passkeys.USER_VERIFICATION_MISSING),
        ({"challenge": b"never-issued-by-this-server"}, passkeys.CHALLENGE_USED),
    ],
)
async def test_a_registration_failing_a_check_is_refused_with_its_reason(
    new_user: NewUser, settings: Settings, knobs: dict[str, object], reason: str
) -> None:
    user = await new_user()
    options = await passkeys.begin_registration(user=user, settings=settings, signed_in_at=time.time(), client=CLIENT)

    with pytest.raises(BadCredential) as refused:
        credential = SoftAuthenticator().create(options, **knobs)  # type: ignore[arg-type]
        await passkeys.finish_registration(
            user=user, credential=credential, name=None, settings=settings, client=CLIENT
        )

    assert refused.value.reason == reason and refused.value.field == "credential"
    assert not await Passkey.filter(user_id=user.id).exists()


async def test_a_registration_challenge_of_another_account_is_refused(new_user: NewUser, settings: Settings) -> None:
    ann, bob = await new_user("ann"), await new_user("bob")
    options = await passkeys.begin_registration(user=ann, settings=settings, signed_in_at=time.time(), client=CLIENT)

    with pytest.raises(BadCredential) as refused:
        await passkeys.finish_registration(
            user=bob, credential=SoftAuthenticator().create(options), name=None, settings=settings, client=CLIENT
        )

    assert refused.value.reason == passkeys.CHALLENGE_USED


@pytest.mark.parametrize("credential", ["", "{}", "not json", '{"id": "x", "rawId": "x", "response": {}}', "[1]"])
async def test_what_is_no_credential_is_bad_input(new_user: NewUser, settings: Settings, credential: str) -> None:
    user = await new_user()

    with pytest.raises(BadCredential) as refused:
        await passkeys.finish_registration(
            user=user, credential=credential, name=None, settings=settings, client=CLIENT
        )

    assert refused.value.extensions() == {"code": "BAD_USER_INPUT", "field": "credential", "reason": "PASSKEY_INVALID"}


async def test_the_same_passkey_cannot_be_registered_twice(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    options = await passkeys.begin_registration(user=user, settings=settings, signed_in_at=time.time(), client=CLIENT)
    authenticator = SoftAuthenticator()
    first = authenticator.create(options)
    await passkeys.finish_registration(user=user, credential=first, name=None, settings=settings, client=CLIENT)
    again = await passkeys.begin_registration(user=user, settings=settings, signed_in_at=time.time(), client=CLIENT)
    credential = authenticator.create(again, again=authenticator.passkeys[0])

    with pytest.raises(PasskeyConflict) as refused:
        await passkeys.finish_registration(
            user=user, credential=credential, name=None, settings=settings, client=CLIENT
        )

    assert refused.value.reason == passkeys.ALREADY_REGISTERED
    assert await Passkey.filter(user_id=user.id).count() == 1


async def test_an_expired_challenge_is_refused(
    new_user: NewUser, store_settings: Settings, throttle: Throttle, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, store_settings, authenticator)
    options = await passkeys.begin_login(user_name=None, settings=store_settings)
    credential = authenticator.get(options)
    later = datetime.now(UTC) + timedelta(seconds=passkey_challenges.CHALLENGE_SECONDS + 1)
    monkeypatch.setattr(passkeys, "_now", lambda: later)  # the answer comes 5 minutes and a second later

    with pytest.raises(SignInRefused) as refused:
        await passkeys.finish_login(credential=credential, settings=store_settings, throttle=throttle, client=CLIENT)

    assert refused.value.reason == passkeys.CHALLENGE_EXPIRED


async def test_a_replayed_response_is_refused(new_user: NewUser, store_settings: Settings, throttle: Throttle) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator()
    await register(user, store_settings, authenticator)
    options = await passkeys.begin_login(user_name=None, settings=store_settings)
    credential = authenticator.get(options)
    await passkeys.finish_login(credential=credential, settings=store_settings, throttle=throttle, client=CLIENT)

    with pytest.raises(SignInRefused) as refused:
        await passkeys.finish_login(credential=credential, settings=store_settings, throttle=throttle, client=CLIENT)

    assert refused.value.reason == passkeys.CHALLENGE_USED


async def test_a_response_sent_twice_at_once_signs_in_once(
    new_user: NewUser, store_settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    authenticator = SoftAuthenticator(counter_step=0)  # no counter: only the challenge stops the replay
    await register(user, store_settings, authenticator)

    for round_ in range(ROUNDS):
        options = await passkeys.begin_login(user_name=None, settings=store_settings)
        credential = authenticator.get(options)
        barrier = asyncio.Barrier(2)

        async def finish(credential: str = credential, barrier: asyncio.Barrier = barrier) -> str:
            await barrier.wait()
            try:
                await passkeys.finish_login(
                    credential=credential, settings=store_settings, throttle=throttle, client=CLIENT
                )
            except SignInRefused as refused:
                return refused.reason
            return "ok"

        outcomes = sorted(await asyncio.gather(finish(), finish()))
        assert outcomes == [passkeys.CHALLENGE_USED, "ok"], f"round {round_}: {outcomes}"
    assert await Session.filter(user_id=user.id, method="passkey").count() == ROUNDS


async def test_challenges_long_past_are_swept(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    await passkeys.begin_login(user_name=None, settings=settings)
    await PasskeyChallenge.all().update(expires_at=datetime.now(UTC) - timedelta(days=1))

    await passkeys.begin_registration(user=user, settings=settings, signed_in_at=time.time(), client=CLIENT)

    assert [row.purpose for row in await PasskeyChallenge.all()] == ["registration"]


async def test_rename_and_delete_touch_only_the_callers_passkeys(new_user: NewUser, settings: Settings) -> None:
    ann, bob = await new_user("ann", email="ann@example.com"), await new_user("bob")
    passkey = await register(ann, settings, SoftAuthenticator())

    with pytest.raises(NotFound):
        await passkeys.rename(user=bob, passkey_id=str(passkey.id), name="mine")
    with pytest.raises(NotFound):
        await passkeys.delete(user=bob, passkey_id=str(passkey.id), client=CLIENT)
    renamed = await passkeys.rename(user=ann, passkey_id=str(passkey.id), name="  Phone ")
    await passkeys.delete(user=ann, passkey_id=str(passkey.id), client=CLIENT)  # ann has a password

    assert renamed.name == "Phone"
    assert not await Passkey.filter(user_id=ann.id).exists()
    assert await kinds(ann) == ["PASSKEY_ADDED", "PASSKEY_REMOVED"]
    removed = await OutboxMail.get(template="passkey_removed")
    assert removed.recipient == "ann@example.com" and "Phone" in removed.data


async def test_an_account_without_a_password_keeps_its_last_passkey(new_user: NewUser, settings: Settings) -> None:
    # An account made by a provider or a passkey: no password until its owner sets one.
    user = await new_user()
    await User.filter(id=user.id).update(password_hash="")
    await user.refresh_from_db()
    first = await register(user, settings, SoftAuthenticator())
    second = await register(user, settings, SoftAuthenticator())

    await passkeys.delete(user=user, passkey_id=str(first.id), client=CLIENT)
    with pytest.raises(LastSignInMethod) as refused:
        await passkeys.delete(user=user, passkey_id=str(second.id), client=CLIENT)

    assert refused.value.extensions() == {"code": "CONFLICT", "field": "id", "reason": "LAST_SIGN_IN_METHOD"}
    assert [passkey.id for passkey in await Passkey.filter(user_id=user.id)] == [second.id]


async def test_two_deletes_at_once_leave_an_account_without_a_password_one_passkey(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()
    await User.filter(id=user.id).update(password_hash="")
    await user.refresh_from_db()
    for round_ in range(ROUNDS // 3):
        await Passkey.filter(user_id=user.id).delete()
        first = await register(user, settings, SoftAuthenticator())
        second = await register(user, settings, SoftAuthenticator())
        barrier = asyncio.Barrier(2)

        async def remove(passkey: Passkey, barrier: asyncio.Barrier = barrier) -> str:
            await barrier.wait()
            try:
                await passkeys.delete(user=user, passkey_id=str(passkey.id), client=CLIENT)
            except LastSignInMethod as refused:
                return str(refused.extensions()["reason"])
            return "ok"

        outcomes = sorted(await asyncio.gather(remove(first), remove(second)))
        assert outcomes == ["LAST_SIGN_IN_METHOD", "ok"], f"round {round_}: {outcomes}"
        assert await Passkey.filter(user_id=user.id).count() == 1


async def test_passkeys_off_refuse_every_ceremony(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    off = replace(settings, passkeys_enabled=False)

    with pytest.raises(PasskeysOff) as refused:
        await passkeys.begin_registration(user=user, settings=off, signed_in_at=time.time(), client=CLIENT)
    with pytest.raises(PasskeysOff):
        await passkeys.begin_login(user_name=None, settings=off)

    assert refused.value.extensions() == {"code": "FORBIDDEN", "reason": "PASSKEYS_OFF"}


async def test_adding_a_passkey_needs_a_recent_sign_in(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    long_ago = time.time() - settings.recent_sign_in_seconds - 1

    with pytest.raises(RecentSignInRequired) as refused:
        await passkeys.begin_registration(user=user, settings=settings, signed_in_at=long_ago, client=CLIENT)

    assert refused.value.extensions() == {"code": "FORBIDDEN", "reason": "RECENT_SIGN_IN_REQUIRED"}
    assert await kinds(user) == ["RECENT_SIGN_IN_REQUIRED"]
    assert not await PasskeyChallenge.exists()
