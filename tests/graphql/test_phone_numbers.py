"""Phone numbers over HTTP: parsed with libphonenumber, stored and returned in E.164."""

from __future__ import annotations

import pytest

from tests.support import Api


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param("+1 (555) 010-9999", "+15550109999", id="separators-removed"),
        pytest.param("+1234567890", "+1234567890", id="the-seed-example-not-assigned-but-a-number"),
        pytest.param("+1 650-253-0000", "+16502530000", id="assigned"),
    ],
)
async def test_a_phone_number_is_stored_in_e164(api: Api, sent: str, stored: str) -> None:
    account = await api.register(phoneNumber=sent)

    assert account.user["phoneNumber"] == stored
    assert (await api.me(account.token)).data["me"]["phoneNumber"] == stored


async def test_what_is_no_phone_number_at_all_is_refused_on_register_and_update(api: Api) -> None:
    refused = await api.execute(
        "mutation R($input: RegisterInput!) { register(input: $input) { accessToken } }",
        {"input": {"userName": "ann", "password": "secure_password123", "phoneNumber": "+12"}},
    )
    assert (refused.code, refused.field) == ("BAD_USER_INPUT", "phoneNumber")

    account = await api.register("bob", phoneNumber="+16502530000")
    update = await api.update_user(account, phoneNumber="+12")

    assert (update.code, update.field) == ("BAD_USER_INPUT", "phoneNumber")
    assert (await api.me(account.token)).data["me"]["phoneNumber"] == "+16502530000"
    assert (await api.login("ann")).code == "UNAUTHENTICATED"  # the refused registration left no account


async def test_the_same_number_written_two_ways_is_one_number(api: Api) -> None:
    await api.register("ann", phoneNumber="+1 (650) 253-0000")
    bob = await api.register("bob")

    result = await api.update_user(bob, phoneNumber="+16502530000")

    assert (result.code, result.field) == ("CONFLICT", "phoneNumber")
