"""One-time tokens for mails (their module's docstring): only a keyed hash is stored, a token is found only
for its purpose while unused and unexpired, is consumed once, and a newer one can void the older ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import OneTimeToken, User
from services.errors import InvalidInput
from services.identity import one_time_tokens
from services.identity.one_time_tokens import RESET_PASSWORD, VERIFY_EMAIL
from settings import Settings
from tests.domain.identity.conftest import NewUser
from tests.support import replace

DAY = 24 * 3600


async def issue(
    user: User, settings: Settings, *, purpose: str = VERIFY_EMAIL, ttl: int = DAY, void_older: bool = False
) -> str:
    return await one_time_tokens.issue(
        user=user, purpose=purpose, email="ann@example.com", ttl=ttl, settings=settings, void_older=void_older
    )


def refused(error: pytest.ExceptionInfo[InvalidInput]) -> None:
    assert error.value.field == "token" and str(error.value) == one_time_tokens.INVALID


async def test_a_token_is_stored_only_as_a_hash_bound_to_its_email_and_version(
    new_user: NewUser, settings: Settings
) -> None:
    user = await new_user()

    token = await issue(user, settings)

    record = await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=settings)
    assert (record.user_id, record.email, record.token_version) == (user.id, "ann@example.com", user.token_version)
    assert token not in record.token_hash


async def test_a_token_is_consumed_once(new_user: NewUser, settings: Settings) -> None:
    token = await issue(await new_user(), settings)
    record = await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=settings)

    await one_time_tokens.consume(record)

    with pytest.raises(InvalidInput) as twice:
        await one_time_tokens.consume(record)
    refused(twice)
    with pytest.raises(InvalidInput) as found:
        await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=settings)
    refused(found)


async def test_a_token_serves_only_its_purpose(new_user: NewUser, settings: Settings) -> None:
    token = await issue(await new_user(), settings, purpose=VERIFY_EMAIL)

    with pytest.raises(InvalidInput) as raised:
        await one_time_tokens.find(token, purpose=RESET_PASSWORD, settings=settings)
    refused(raised)


async def test_an_expired_token_is_neither_found_nor_consumed(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    live = await one_time_tokens.find(await issue(user, settings), purpose=VERIFY_EMAIL, settings=settings)
    expired = await issue(user, settings, ttl=-1)  # expired as it is made

    with pytest.raises(InvalidInput) as raised:
        await one_time_tokens.find(expired, purpose=VERIFY_EMAIL, settings=settings)
    refused(raised)
    await OneTimeToken.filter(id=live.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(InvalidInput):
        await one_time_tokens.consume(live)  # found before it expired, consumed after: refused


async def test_a_newer_token_can_void_the_older_ones_of_its_purpose(new_user: NewUser, settings: Settings) -> None:
    user = await new_user()
    older = await issue(user, settings, purpose=RESET_PASSWORD)
    other_purpose = await issue(user, settings, purpose=VERIFY_EMAIL)
    kept = await issue(user, settings, purpose=RESET_PASSWORD)  # void_older=False: both work

    newest = await issue(user, settings, purpose=RESET_PASSWORD, void_older=True)

    for token in (older, kept):
        with pytest.raises(InvalidInput):
            await one_time_tokens.find(token, purpose=RESET_PASSWORD, settings=settings)
    await one_time_tokens.find(newest, purpose=RESET_PASSWORD, settings=settings)
    await one_time_tokens.find(other_purpose, purpose=VERIFY_EMAIL, settings=settings)


async def test_the_hash_is_keyed_with_the_jwt_secret(new_user: NewUser, settings: Settings) -> None:
    token = await issue(await new_user(), settings)

    with pytest.raises(InvalidInput):
        await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=replace(settings, jwt_secret="another-" * 8))


@pytest.mark.parametrize("token", ["", "x" * 257, 42, None])
async def test_what_is_no_token_is_the_same_refusal(new_user: NewUser, settings: Settings, token: object) -> None:
    await issue(await new_user(), settings)

    with pytest.raises(InvalidInput) as raised:
        await one_time_tokens.find(token, purpose=VERIFY_EMAIL, settings=settings)
    assert raised.value.field == "token"
