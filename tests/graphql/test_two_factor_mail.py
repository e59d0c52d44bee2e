"""Two-factor changes mail the account's owner a notice, over real SMTP (aiosmtpd in the test process)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models import OutboxMail
from settings import Settings
from tests.graphql.test_two_factor import DISABLE, enable, login
from tests.support import PASSWORD
from tests.support.mail import Mailer, mailer_for, text_of

ANN = "ann@example.com"


@pytest.fixture
async def mail(db: str, settings: Settings) -> AsyncIterator[Mailer]:
    async with mailer_for(db, settings) as mailer:
        yield mailer


async def test_turning_two_factor_on_and_off_mails_a_notice_each(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)

    state = await enable(mail.api, account)
    [on] = await mail.sink.wait_for(ANN, "Two-factor sign-in was turned on")
    disabled = await mail.api.execute(DISABLE, {"password": PASSWORD, "code": state.code(0)}, token=account.token)
    [off] = await mail.sink.wait_for(ANN, "Two-factor sign-in was turned off")

    assert not disabled.errors, disabled.body
    assert "ann" in text_of(on) and state.secret not in text_of(on)
    assert not any(code in text_of(on) for code in state.recovery_codes)
    assert "ann" in text_of(off)


async def test_signing_in_with_a_recovery_code_mails_a_notice(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    state = await enable(mail.api, account)
    code = state.recovery_codes[0]

    result = await login(mail.api, "ann", code)
    [notice] = await mail.sink.wait_for(ANN, "A recovery code was used")

    assert not result.errors, result.body
    assert code not in text_of(notice)


async def test_an_account_without_email_changes_two_factor_without_mail(mail: Mailer) -> None:
    account = await mail.api.register("bob")

    await enable(mail.api, account)  # asserts that confirming succeeded

    assert await OutboxMail.all().count() == 0
    assert mail.sink.received == []
