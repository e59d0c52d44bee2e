"""Two-factor sign-in (README, Security and "Two-factor sign-in in GraphiQL"): a secret waits for its first
code, then login needs a code too; a TOTP code and a recovery code each work once; turning it on or off ends
every other session; new recovery codes replace the old ones. Codes are computed with pyotp from the secret."""

from __future__ import annotations

import time

import pyotp
import pytest

from models import OutboxMail, RecoveryCode, SecurityEvent, TwoFactorSecret, User
from services.client import Client
from services.errors import Conflict, InvalidInput, SecondFactorNeeded
from services.identity import sessions, sign_in, two_factor
from services.throttle import Throttle
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser

CLIENT = Client("192.0.2.1", "pytest")


def code_at(secret: str, offset: int = 0) -> str:
    """The authenticator app's code ``offset`` seconds from now (one step of drift either way is accepted)."""
    return pyotp.TOTP(secret).at(time.time() + offset)


async def login(settings: Settings, throttle: Throttle, otp: str | None = None) -> sign_in.SignedIn:
    return await sign_in.login(
        user_name="ann", password=PASSWORD, otp=otp, settings=settings, throttle=throttle, client=CLIENT
    )


async def enable(user: User, settings: Settings, throttle: Throttle, keep: str | None = None) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on for ``user``: the secret and the recovery codes."""
    setup = await two_factor.begin_setup(
        user=user, password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT
    )
    codes = await two_factor.confirm(
        user=user, code=code_at(setup.secret), settings=settings, throttle=throttle, session_id=keep, client=CLIENT
    )
    await user.refresh_from_db()
    return setup.secret, codes


async def test_setup_waits_for_a_code_and_enforces_nothing_yet(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()

    setup = await two_factor.begin_setup(
        user=user, password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT
    )

    assert setup.otpauth_uri.startswith("otpauth://totp/") and setup.qr_code_svg.startswith("<svg")
    stored = await TwoFactorSecret.get(user_id=user.id)
    assert stored.confirmed_at is None and setup.secret not in stored.encrypted_secret
    await login(settings, throttle)  # no code asked yet


async def test_setup_needs_the_password(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    user = await new_user()

    with pytest.raises(InvalidInput) as raised:
        await two_factor.begin_setup(
            user=user, password="wrong password!", settings=settings, throttle=throttle, client=CLIENT
        )

    assert raised.value.field == "password"
    assert not await TwoFactorSecret.filter(user_id=user.id).exists()


async def test_confirm_turns_it_on_ends_other_sessions_and_keeps_the_callers(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user(email="ann@example.com")
    mine, other = await login(settings, throttle), await login(settings, throttle)

    _, codes = await enable(user, settings, throttle, keep=mine.refresh_token.session_id)

    assert user.two_factor_enabled
    assert len(set(codes)) == two_factor.RECOVERY_CODE_COUNT == await RecoveryCode.filter(user_id=user.id).count()
    assert [s.id for s in await sessions.live(user_id=user.id)] == [mine.refresh_token.session_id]
    assert other.refresh_token.session_id != mine.refresh_token.session_id
    assert await SecurityEvent.filter(user_id=user.id, kind="TWO_FACTOR_ENABLED").count() == 1
    assert await OutboxMail.filter(recipient="ann@example.com", template="two_factor_enabled").exists()


async def test_confirm_with_a_wrong_code_leaves_it_off(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    setup = await two_factor.begin_setup(
        user=user, password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT
    )
    wrong = f"{(int(code_at(setup.secret)) + 1) % 1_000_000:06d}"

    with pytest.raises(InvalidInput) as raised:
        await two_factor.confirm(user=user, code=wrong, settings=settings, throttle=throttle, client=CLIENT)

    assert raised.value.field == "code"
    assert not (await User.get(id=user.id)).two_factor_enabled
    assert await SecurityEvent.filter(user_id=user.id, kind="LOGIN_FAILED").count() == 1


async def test_login_then_needs_a_code_and_each_code_works_once(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    secret, _ = await enable(user, settings, throttle)

    with pytest.raises(SecondFactorNeeded) as missing:
        await login(settings, throttle)
    with pytest.raises(SecondFactorNeeded) as replayed:
        await login(settings, throttle, otp=code_at(secret))  # the code confirm accepted
    next_code = code_at(secret, two_factor.STEP_SECONDS)
    signed_in = await login(settings, throttle, otp=next_code)
    with pytest.raises(SecondFactorNeeded) as again:
        await login(settings, throttle, otp=next_code)

    assert signed_in.user.id == user.id
    assert (missing.value.reason, replayed.value.reason, again.value.reason) == (
        "OTP_REQUIRED",
        "OTP_INVALID",
        "OTP_INVALID",
    )


async def test_a_recovery_code_signs_in_once_and_ends_every_other_session(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    secret, codes = await enable(user, settings, throttle)
    earlier = await login(settings, throttle, otp=code_at(secret, two_factor.STEP_SECONDS))

    signed_in = await login(settings, throttle, otp=codes[0].upper())  # any case, with its dashes
    with pytest.raises(SecondFactorNeeded) as again:
        await login(settings, throttle, otp=codes[0])

    assert again.value.reason == "OTP_INVALID"
    assert earlier.refresh_token.session_id != signed_in.refresh_token.session_id
    assert [s.id for s in await sessions.live(user_id=user.id)] == [signed_in.refresh_token.session_id]
    assert await SecurityEvent.filter(user_id=user.id, kind="RECOVERY_CODE_USED").count() == 1


async def test_new_recovery_codes_replace_the_old_ones(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    _, old = await enable(user, settings, throttle)

    new = await two_factor.regenerate_recovery_codes(
        user=user, password=PASSWORD, code=old[0], settings=settings, throttle=throttle, client=CLIENT
    )

    assert not set(new) & set(old)
    with pytest.raises(SecondFactorNeeded):
        await login(settings, throttle, otp=old[1])
    await login(settings, throttle, otp=new[0])


async def test_disable_needs_password_and_code_then_login_needs_no_code(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    _, codes = await enable(user, settings, throttle)
    with pytest.raises(Conflict):
        await two_factor.begin_setup(user=user, password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT)
    with pytest.raises(InvalidInput):
        await two_factor.disable(
            user=user, password="wrong password!", code=codes[0], settings=settings, throttle=throttle, client=CLIENT
        )

    await two_factor.disable(
        user=user, password=PASSWORD, code=codes[1], settings=settings, throttle=throttle, client=CLIENT
    )

    assert not (await User.get(id=user.id)).two_factor_enabled
    assert not await TwoFactorSecret.filter(user_id=user.id).exists()
    assert not await RecoveryCode.filter(user_id=user.id).exists()
    assert await SecurityEvent.filter(user_id=user.id, kind="TWO_FACTOR_DISABLED").count() == 1
    await login(settings, throttle)
