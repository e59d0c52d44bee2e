"""Signing in and out (README, Tokens and Security): the right password starts a session, a wrong one or an
unknown name is one refusal, failures past LOGIN_MAX_FAILURES are throttled (even the right password then),
and logout / logoutAll end sessions."""

from __future__ import annotations

import pytest

from models import SecurityEvent, Session
from services.client import Client
from services.errors import AccountSuspended, NotFound, TooManyRequests, Unauthenticated
from services.identity import access_tokens, sessions, sign_in
from services.throttle import Throttle
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser

CLIENT = Client("192.0.2.1", "pytest")


async def login(
    settings: Settings, throttle: Throttle, user_name: str = "ann", password: str = PASSWORD
) -> sign_in.SignedIn:
    return await sign_in.login(
        user_name=user_name, password=password, settings=settings, throttle=throttle, client=CLIENT
    )


async def test_the_right_password_starts_a_session_and_its_tokens(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user("Ann", email="ann@example.com")

    by_name = await login(settings, throttle, "ANN")
    by_email = await login(settings, throttle, "Ann@Example.com")

    assert by_name.user.id == by_email.user.id == user.id
    claims = access_tokens.decode_access_token(by_name.access_token.token, settings=settings)
    assert (claims.user_id, claims.session_id) == (user.id, by_name.refresh_token.session_id)
    assert await sign_in.user_for_token(claims) == user
    assert len(await sessions.live(user_id=user.id)) == 2
    assert await SecurityEvent.filter(user_id=user.id, kind="LOGIN").count() == 2


@pytest.mark.parametrize(("user_name", "password"), [("ann", "wrong password!"), ("nobody", PASSWORD)])
async def test_a_wrong_password_and_an_unknown_name_are_one_refusal(
    new_user: NewUser, settings: Settings, throttle: Throttle, user_name: str, password: str
) -> None:
    user = await new_user()

    with pytest.raises(Unauthenticated) as raised:
        await login(settings, throttle, user_name, password)

    assert str(raised.value) == sign_in.LOGIN_FAILED
    assert await Session.all().count() == 0
    failed = await SecurityEvent.filter(kind="LOGIN_FAILED").values_list("user_id", flat=True)
    assert failed == ([user.id] if user_name == "ann" else [])  # no row for a name no one holds


async def test_failures_past_the_limit_are_throttled_even_with_the_right_password(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user()
    for _ in range(settings.login_max_failures):
        with pytest.raises(Unauthenticated):
            await login(settings, throttle, password="wrong password!")

    with pytest.raises(TooManyRequests) as raised:
        await login(settings, throttle)

    assert raised.value.retry_after > 0
    assert await Session.all().count() == 0


async def test_a_success_clears_the_failures_before_it(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user()
    for _ in range(2):
        for _ in range(settings.login_max_failures - 1):
            with pytest.raises(Unauthenticated):
                await login(settings, throttle, password="wrong password!")
        await login(settings, throttle)  # never at the limit: each success starts the count again


async def test_a_suspended_account_cannot_sign_in(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    user = await new_user()
    await type(user).filter(id=user.id).update(suspended_at=user.created_at)

    with pytest.raises(AccountSuspended):
        await login(settings, throttle)
    assert await Session.all().count() == 0


async def test_logout_ends_the_one_session_of_the_refresh_token(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    ended, kept = await login(settings, throttle), await login(settings, throttle)

    await sign_in.logout(refresh_token=ended.refresh_token.token, client=CLIENT)

    assert [s.id for s in await sessions.live(user_id=user.id)] == [kept.refresh_token.session_id]
    claims = access_tokens.decode_access_token(ended.access_token.token, settings=settings)
    with pytest.raises(Unauthenticated):
        await sign_in.user_for_token(claims)  # its access token died with it
    assert await SecurityEvent.filter(user_id=user.id, kind="LOGOUT").count() == 1


async def test_logout_all_ends_every_session_and_access_token(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user()
    signed = [await login(settings, throttle) for _ in range(2)]

    await sign_in.logout_all(user=user, client=CLIENT)

    assert await sessions.live(user_id=user.id) == []
    for each in signed:
        with pytest.raises(Unauthenticated):
            await sign_in.user_for_token(access_tokens.decode_access_token(each.access_token.token, settings=settings))


async def test_revoke_session_ends_only_a_live_session_of_the_caller(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user()
    session_id = (await login(settings, throttle)).refresh_token.session_id
    bob = await new_user("bob")

    with pytest.raises(NotFound):
        await sign_in.revoke_session(user=bob, session_id=session_id, client=CLIENT)
    await sign_in.revoke_session(user=ann, session_id=session_id, client=CLIENT)
    with pytest.raises(NotFound):
        await sign_in.revoke_session(user=ann, session_id=session_id, client=CLIENT)

    assert await SecurityEvent.filter(user_id=ann.id, kind="SESSION_REVOKED").count() == 1


async def test_refresh_returns_a_new_pair_of_the_same_session(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user()
    first = await login(settings, throttle)

    renewed = await sign_in.refresh(
        refresh_token=first.refresh_token.token, settings=settings, throttle=throttle, client=CLIENT
    )

    assert renewed.refresh_token.session_id == first.refresh_token.session_id
    claims = access_tokens.decode_access_token(renewed.access_token.token, settings=settings)
    assert claims.auth_time == int(first.refresh_token.signed_in_at.timestamp())
