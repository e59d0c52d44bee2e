"""updateUser (seed 001, PUT /api/users/{userName}) and updateProfile (seed 000, PUT /user/profile)."""

from __future__ import annotations

import pytest

from tests.support import UPDATE_PROFILE, UPDATE_USER, USER, Api


async def test_seed_001_update_changes_only_the_given_fields(api: Api) -> None:
    account = await api.register(email="john@example.com", firstName="John", lastName="Doe")

    result = await api.update_user(
        account,
        firstName="Jonathan",
        bio="Software developer and coffee enthusiast",
        website="https://johndoe.dev",
        accountPrivacy=True,
    )

    user = result.data["updateUser"]
    assert user["firstName"] == "Jonathan"
    assert user["bio"] == "Software developer and coffee enthusiast"
    assert user["profile"]["website"] == "https://johndoe.dev"
    assert user["profile"]["accountPrivacy"] is True
    assert (user["lastName"], user["email"], user["profile"]["pushNotifications"]) == ("Doe", "john@example.com", False)
    assert (await api.me(account.token)).data["me"] == user


async def test_seed_000_profile_update_acts_on_the_caller(api: Api) -> None:
    account = await api.register()

    result = await api.execute(
        UPDATE_PROFILE,
        {"input": {"name": "John Doe", "email": "john.doe@example.com", "bio": "Developer and tech enthusiast."}},
        token=account.token,
    )

    user = result.data["updateProfile"]
    assert (user["firstName"], user["lastName"]) == ("John", "Doe")
    assert user["email"] == "john.doe@example.com"
    assert user["bio"] == "Developer and tech enthusiast."


async def test_name_with_first_name_is_bad_user_input(api: Api) -> None:
    account = await api.register()

    result = await api.execute(UPDATE_PROFILE, {"input": {"name": "John Doe", "firstName": "J"}}, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "name")


async def test_every_user_settable_field_can_be_updated(api: Api) -> None:
    account = await api.register()
    changes = {
        "userName": "john.d",
        "firstName": "John",
        "lastName": "Doe",
        "email": "john@example.com",
        "phoneNumber": "+4915112345678",
        "bio": "Line one\nline two",
        "profileImage": "https://cdn.example.com/john.png",
        "website": "http://john.example",
        "gender": "male",
        "pushNotifications": True,
        "accountPrivacy": True,
    }

    user = (await api.update_user(account, **changes)).data["updateUser"]

    profile = user.pop("profile")
    assert {key: user[key] for key in changes if key in user} == {k: v for k, v in changes.items() if k in user}
    assert (profile["website"], profile["gender"], profile["pushNotifications"], profile["accountPrivacy"]) == (
        "http://john.example",
        "male",
        True,
        True,
    )


async def test_null_clears_nullable_fields(api: Api) -> None:
    account = await api.register(email="john@example.com", phoneNumber="+1234567890")
    await api.update_user(
        account, bio="bio", profileImage="https://x.example/a.png", website="https://x.example", gender="f"
    )

    result = await api.update_user(
        account, email=None, phoneNumber=None, bio=None, profileImage=None, website=None, gender=None
    )

    user = result.data["updateUser"]
    assert (user["email"], user["phoneNumber"], user["bio"], user["profileImage"]) == (None, None, None, None)
    assert (user["profile"]["website"], user["profile"]["gender"]) == (None, None)


@pytest.mark.parametrize("field", ["userName", "firstName", "lastName", "pushNotifications", "accountPrivacy", "name"])
async def test_null_for_a_non_nullable_field_is_bad_user_input(api: Api, field: str) -> None:
    account = await api.register(firstName="John")

    result = await api.update_user(account, **{field: None})

    assert (result.code, result.field) == ("BAD_USER_INPUT", field)


async def test_renaming_keeps_the_token_and_frees_the_old_name(api: Api) -> None:
    account = await api.register()

    await api.update_user(account, userName="John.Doe")

    assert (await api.me(account.token)).data["me"]["userName"] == "John.Doe"
    assert (await api.execute(USER, {"userName": "john_doe"}, token=account.token)).data == {"user": None}
    assert (await api.login("john.doe")).data["login"]["user"]["userName"] == "John.Doe"


async def test_keeping_ones_own_unique_values_is_not_a_conflict(api: Api) -> None:
    account = await api.register(email="john@example.com", phoneNumber="+1234567890")

    result = await api.update_user(account, userName="JOHN_DOE", email="JOHN@example.com", phoneNumber="+1234567890")

    assert not result.errors
    assert result.data["updateUser"]["userName"] == "JOHN_DOE"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"userName": "Jane"}, "userName"),
        ({"email": "JANE@example.com"}, "email"),
        ({"phoneNumber": "+1987654321"}, "phoneNumber"),
    ],
)
async def test_taking_another_users_value_is_a_conflict_and_changes_nothing(
    api: Api, change: dict[str, str], field: str
) -> None:
    await api.register("jane", email="jane@example.com", phoneNumber="+1987654321")
    account = await api.register()

    result = await api.update_user(account, bio="new bio", **change)

    assert (result.code, result.field) == ("CONFLICT", field)
    assert (await api.me(account.token)).data["me"]["bio"] is None


BAD_UPDATES = [
    ({"userName": "no spaces"}, "userName"),
    ({"userName": ""}, "userName"),
    ({"firstName": "x" * 51}, "firstName"),
    ({"email": "john@"}, "email"),
    ({"phoneNumber": "555-1234"}, "phoneNumber"),
    ({"bio": "x" * 201}, "bio"),
    ({"bio": "null\x00byte"}, "bio"),
    ({"profileImage": "ftp://example.com/a.png"}, "profileImage"),
    ({"profileImage": "not a url"}, "profileImage"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"website": "https://"}, "website"),
    ({"gender": "x" * 21}, "gender"),
    ({"gender": "\u202eelam"}, "gender"),
]


@pytest.mark.parametrize(("change", "field"), BAD_UPDATES, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_UPDATES)])
async def test_invalid_values_are_bad_user_input_and_nothing_is_written(
    api: Api, change: dict[str, str], field: str
) -> None:
    account = await api.register()

    result = await api.update_user(account, lastName="Changed", **change)

    assert result.data is None
    assert (result.code, result.field) == ("BAD_USER_INPUT", field)
    assert (await api.me(account.token)).data["me"]["lastName"] == ""


async def test_boundary_lengths_are_accepted(api: Api) -> None:
    account = await api.register()

    result = await api.update_user(account, userName="u" * 25, firstName="f" * 50, bio="b" * 200, gender="g" * 20)

    assert not result.errors


async def test_setting_verified_is_forbidden_and_changes_nothing(api: Api) -> None:
    account = await api.register()

    result = await api.update_user(account, bio="sneaky", verified=True)

    assert (result.code, result.field) == ("FORBIDDEN", "verified")
    me = (await api.me(account.token)).data["me"]
    assert me["profile"]["verified"] is False and me["bio"] is None


async def test_updating_another_user_is_forbidden(api: Api) -> None:
    await api.register("jane")
    account = await api.register()

    result = await api.update_user(account, user_name="jane", bio="hacked")

    assert result.code == "FORBIDDEN"
    jane = (await api.execute(USER, {"userName": "jane"}, token=account.token)).data["user"]
    assert jane["bio"] is None


async def test_updating_an_unknown_user_is_not_found(api: Api) -> None:
    account = await api.register()

    result = await api.update_user(account, user_name="nobody", bio="x")

    assert (result.code, result.field) == ("NOT_FOUND", "userName")


async def test_checks_run_in_order_unauthenticated_not_found_forbidden(api: Api) -> None:
    await api.register("jane")
    account = await api.register()

    no_token = await api.execute(UPDATE_USER, {"userName": "nobody", "input": {"verified": True}})
    unknown = await api.update_user(account, user_name="nobody", verified=True, email="bad")
    other = await api.update_user(account, user_name="jane", email="bad")

    assert [no_token.code, unknown.code, other.code] == ["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN"]


async def test_empty_update_returns_the_user_unchanged(api: Api) -> None:
    account = await api.register()

    result = await api.update_user(account)

    assert result.data["updateUser"] == account.user
