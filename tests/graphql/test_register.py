"""register: seed 000's username/password/email form and seed 001's richer form."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import PASSWORD, REGISTER, Api


async def test_seed_000_registration_signs_the_user_in_with_a_default_profile(api: Api) -> None:
    result = await api.execute(
        REGISTER, {"input": {"userName": "john_doe", "password": "secure_password123", "email": "john@example.com"}}
    )

    payload = result.data["register"]
    assert result.status == 200 and not result.errors
    assert payload["tokenType"] == "Bearer"
    assert payload["expiresIn"] == 900
    assert payload["accessToken"].count(".") == 2
    user = payload["user"]
    assert user["userName"] == "john_doe"
    assert user["email"] == "john@example.com"
    assert user["firstName"] == "" and user["lastName"] == ""
    assert user["phoneNumber"] is None and user["bio"] is None and user["profileImage"] is None
    assert user["followersCount"] == 0 and user["followingCount"] == 0
    assert user["accountDeleted"] is False
    assert user["profile"] == {
        "website": None,
        "gender": None,
        "pushNotifications": False,
        "accountPrivacy": False,
        "verified": False,
    }
    created = datetime.fromisoformat(user["createdAt"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)


async def test_seed_001_registration_stores_every_field(api: Api) -> None:
    account = await api.register(
        "johndoe",
        firstName="John",
        lastName="Doe",
        email="john@example.com",
        phoneNumber="+1234567890",
    )

    me = (await api.me(account.token)).data["me"]
    assert (me["firstName"], me["lastName"], me["email"], me["phoneNumber"]) == (
        "John",
        "Doe",
        "john@example.com",
        "+1234567890",
    )
    assert me["userID"] == account.user["userID"]


async def test_register_token_works_at_once(api: Api) -> None:
    account = await api.register()

    result = await api.me(account.token)

    assert result.data["me"]["userName"] == "john_doe"


async def test_email_is_normalised_and_names_trimmed(api: Api) -> None:
    account = await api.register(email="  John.Doe@Example.COM ", firstName="  John ")

    assert account.user["email"] == "John.Doe@example.com"
    assert account.user["firstName"] == "John"


async def test_phone_number_separators_are_removed(api: Api) -> None:
    account = await api.register(phoneNumber="+1 (234) 567-890")

    assert account.user["phoneNumber"] == "+1234567890"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"userName": "jo"}, "userName"),
        ({"userName": "JOHN_DOE"}, "userName"),
        ({"userName": "other", "email": "JOHN@EXAMPLE.COM"}, "email"),
        ({"userName": "other", "phoneNumber": "+1234567890"}, "phoneNumber"),
    ],
    ids=["same-name", "same-name-other-case", "same-email-other-case", "same-phone"],
)
async def test_taken_values_are_a_conflict_naming_the_field(api: Api, given: dict[str, str], field: str) -> None:
    await api.register("john_doe", email="john@example.com", phoneNumber="+1234567890")
    await api.register("jo")

    result = await api.execute(REGISTER, {"input": {"password": PASSWORD, **given}})

    assert result.data is None
    assert (result.code, result.field) == ("CONFLICT", field)


BAD_REGISTRATIONS = [
    ({"userName": ""}, "userName"),
    ({"userName": "a" * 26}, "userName"),
    ({"userName": "john doe"}, "userName"),
    ({"userName": "john@doe"}, "userName"),
    ({"userName": "jöhn"}, "userName"),
    ({"userName": "john\u202edoe"}, "userName"),
    ({"password": "short12"}, "password"),
    ({"password": "é" * 129}, "password"),  # 129 characters
    ({"password": "x" * 10_000}, "password"),
    ({"email": "not-an-email"}, "email"),
    ({"email": "a" * 250 + "@example.com"}, "email"),
    ({"phoneNumber": "1234567890"}, "phoneNumber"),
    ({"phoneNumber": "+12ab"}, "phoneNumber"),
    ({"firstName": "J" * 51}, "firstName"),
    ({"lastName": "D" * 51}, "lastName"),
    ({"firstName": "Jo\x00hn"}, "firstName"),
    ({"lastName": "\ud800"}, "lastName"),
]


@pytest.mark.parametrize(
    ("given", "field"), BAD_REGISTRATIONS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_REGISTRATIONS)]
)
async def test_invalid_registration_is_bad_user_input_and_writes_nothing(
    api: Api, given: dict[str, str], field: str
) -> None:
    result = await api.execute(REGISTER, {"input": {"userName": "john_doe", "password": PASSWORD, **given}})

    assert result.status == 200 and result.data is None
    assert (result.code, result.field) == ("BAD_USER_INPUT", field)
    assert not (await api.login("john_doe")).data


async def test_missing_required_field_is_bad_user_input(api: Api) -> None:
    result = await api.execute(REGISTER, {"input": {"userName": "john_doe"}})

    assert result.status == 200
    assert result.code == "BAD_USER_INPUT"
    assert "password" in result.error["message"]


async def test_concurrent_registrations_of_one_name_create_one_user(api: Api) -> None:
    variables = [
        {"input": {"userName": "racer", "password": PASSWORD, "email": f"r{i}@example.com"}} for i in range(10)
    ]

    results = await asyncio.gather(*(api.execute(REGISTER, v) for v in variables))

    winners = [r for r in results if not r.errors]
    losers = [r for r in results if r.errors]
    assert len(winners) == 1
    assert {(r.code, r.field) for r in losers} == {("CONFLICT", "userName")}
