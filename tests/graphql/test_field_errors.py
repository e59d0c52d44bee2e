"""Every input error at once (issue 22.4): each field of an input that breaks a rule is its own error.

A form learns every field to fix from one answer: one GraphQL error per field, each with its own
``extensions`` (``code`` and ``field``), at the mutation's path, in the order the input declares its fields,
and nothing is written. Taken unique values are reported together the same way (CONFLICT). The same for
the arguments of login, resetPassword and the two-factor mutations that take a password and a code: each
malformed one is reported, whatever the others.
"""

from __future__ import annotations

from typing import Any

from tests.graphql.test_two_factor import DISABLE, enable
from tests.support import PASSWORD, REGISTER, UPDATE_PROFILE, Api, Result

UPDATE_ERRORS = "mutation Update($input: UpdateUserInput!) { updateProfile(input: $input) { userName bio } }"


def fields_and_codes(result: Result) -> list[tuple[str, str]]:
    return [(error["extensions"].get("field"), error["extensions"]["code"]) for error in result.errors]


async def test_register_reports_every_bad_field_in_the_inputs_order(api: Api) -> None:
    result = await api.execute(REGISTER, {"input": {"email": "nope", "password": "x", "userName": "bad name!"}})

    assert result.status == 200 and result.data is None
    assert fields_and_codes(result) == [
        ("userName", "BAD_USER_INPUT"),
        ("password", "BAD_USER_INPUT"),
        ("email", "BAD_USER_INPUT"),
    ], result.body
    messages = [error["message"] for error in result.errors]
    assert messages[0].startswith("userName must be 1 to 25 characters")
    assert messages[1] == "password must be at least 8 characters long."
    assert messages[2].startswith("email is not a valid email address")
    for error in result.errors:
        assert error["path"] == ["register"], error
        assert error["locations"] == [{"line": 3, "column": 3}], error
        assert set(error["extensions"]) == {"code", "field"}, error
    assert (await api.login("bad name!", "x")).code == "UNAUTHENTICATED"  # nothing was created


async def test_register_reports_all_six_fields_and_one_field_alone(api: Api) -> None:
    every = {
        "phoneNumber": "123",
        "lastName": "a" * 51,
        "firstName": "a\u202eb",
        "email": "@",
        "password": "password",  # a common one
        "userName": "",
    }
    result = await api.execute(REGISTER, {"input": every})
    assert [field for field, _ in fields_and_codes(result)] == [
        "userName",
        "password",
        "email",
        "firstName",
        "lastName",
        "phoneNumber",
    ], result.body

    one = await api.execute(REGISTER, {"input": {"userName": "fine", "password": PASSWORD, "email": "nope"}})
    assert (one.code, one.field) == ("BAD_USER_INPUT", "email")


async def test_register_reports_a_taken_user_name_and_email_together(api: Api) -> None:
    await api.register("ann", email="ann@example.com", phoneNumber="+16502530000")

    both = await api.execute(REGISTER, {"input": {"userName": "ANN", "password": PASSWORD, "email": "Ann@Example.com"}})
    three = await api.execute(
        REGISTER,
        {"input": {"userName": "ann", "password": PASSWORD, "email": "ann@example.com", "phoneNumber": "+16502530000"}},
    )
    email_only = await api.execute(
        REGISTER, {"input": {"userName": "bob", "password": PASSWORD, "email": "ann@example.com"}}
    )

    assert fields_and_codes(both) == [("userName", "CONFLICT"), ("email", "CONFLICT")], both.body
    assert fields_and_codes(three) == [("userName", "CONFLICT"), ("email", "CONFLICT"), ("phoneNumber", "CONFLICT")]
    assert fields_and_codes(email_only) == [("email", "CONFLICT")]
    assert all(error["path"] == ["register"] for error in both.errors + three.errors)


async def test_an_update_reports_every_bad_field_and_writes_nothing(api: Api) -> None:
    account = await api.register("ann", email="ann@example.com")
    changes: dict[str, Any] = {
        "accountPrivacy": None,
        "website": "javascript:alert(1)",
        "bio": "a" * 201,
        "firstName": "ok",
        "userName": "no spaces",
        "email": "nope",
        "gender": "fine",
    }

    result = await api.execute(UPDATE_ERRORS, {"input": changes}, token=account.token)

    assert result.data is None
    assert fields_and_codes(result) == [
        ("userName", "BAD_USER_INPUT"),
        ("email", "BAD_USER_INPUT"),
        ("bio", "BAD_USER_INPUT"),
        ("website", "BAD_USER_INPUT"),
        ("accountPrivacy", "BAD_USER_INPUT"),
    ], result.body
    assert all(error["path"] == ["updateProfile"] for error in result.errors)
    me = (await api.me(account.token)).data["me"]
    assert (me["userName"], me["firstName"], me["email"], me["profile"]["gender"]) == (
        "ann",
        "",
        "ann@example.com",
        None,
    )


async def test_update_user_reports_the_name_clash_and_the_fields_beside_it(api: Api) -> None:
    account = await api.register("ann")

    result = await api.update_user(account, name="Ann Lee", firstName="a\nb", phoneNumber="12", gender="a" * 21)

    assert fields_and_codes(result) == [
        ("name", "BAD_USER_INPUT"),
        ("firstName", "BAD_USER_INPUT"),
        ("phoneNumber", "BAD_USER_INPUT"),
        ("gender", "BAD_USER_INPUT"),
    ], result.body
    assert all(error["path"] == ["updateUser"] for error in result.errors)


async def test_a_password_change_reports_its_fields_with_the_others(api: Api) -> None:
    account = await api.register("ann")

    short = await api.execute(
        UPDATE_ERRORS,
        {"input": {"bio": "a" * 201, "providedOldPassword": "x" * 129, "providedNewPassword": "short"}},
        token=account.token,
    )
    missing_old = await api.execute(
        UPDATE_ERRORS, {"input": {"userName": "a b", "providedNewPassword": "short"}}, token=account.token
    )

    assert fields_and_codes(short) == [
        ("bio", "BAD_USER_INPUT"),
        ("providedOldPassword", "BAD_USER_INPUT"),
        ("providedNewPassword", "BAD_USER_INPUT"),
    ], short.body
    assert fields_and_codes(missing_old) == [
        ("userName", "BAD_USER_INPUT"),
        ("providedOldPassword", "BAD_USER_INPUT"),
        ("providedNewPassword", "BAD_USER_INPUT"),
    ], missing_old.body
    assert (await api.login("ann", PASSWORD)).errors == []  # the password did not change


async def test_a_wrong_old_password_is_checked_only_once_every_field_passes(api: Api) -> None:
    account = await api.register("ann")

    with_bad_field = await api.execute(
        UPDATE_ERRORS,
        {"input": {"bio": "a" * 201, "providedOldPassword": "wrong-password", "providedNewPassword": "new_password_1"}},
        token=account.token,
    )
    alone = await api.execute(
        UPDATE_ERRORS,
        {"input": {"bio": "fine", "providedOldPassword": "wrong-password", "providedNewPassword": "new_password_1"}},
        token=account.token,
    )

    assert fields_and_codes(with_bad_field) == [("bio", "BAD_USER_INPUT")], with_bad_field.body
    assert fields_and_codes(alone) == [("providedOldPassword", "BAD_USER_INPUT")], alone.body


async def test_an_update_reports_a_taken_user_name_and_phone_number_together(api: Api) -> None:
    await api.register("ann", email="ann@example.com", phoneNumber="+16502530000")
    bob = await api.register("bob", email="bob@example.com")

    result = await api.execute(
        UPDATE_PROFILE, {"input": {"userName": "Ann", "phoneNumber": "+1 650 253 0000", "bio": "hi"}}, token=bob.token
    )

    assert fields_and_codes(result) == [("userName", "CONFLICT"), ("phoneNumber", "CONFLICT")], result.body
    me = (await api.me(bob.token)).data["me"]
    assert (me["userName"], me["phoneNumber"], me["bio"]) == ("bob", None, None)


# Mutations with several arguments: each argument's form is checked whatever the others' (and the account's).

LOGIN_OTP = """
mutation Login($userName: String!, $password: String!, $otp: String) {
  login(userName: $userName, password: $password, otp: $otp) { accessToken }
}"""
RESET = (
    "mutation Reset($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }"
)


async def test_login_reports_every_malformed_argument(api: Api) -> None:
    await api.register("ann")

    result = await api.execute(LOGIN_OTP, {"userName": "ann\x00", "password": "p" * 129, "otp": "not a code"})
    two = await api.execute(LOGIN_OTP, {"userName": "ann", "password": "p" * 129, "otp": "12"})

    assert fields_and_codes(result) == [
        ("userName", "BAD_USER_INPUT"),
        ("password", "BAD_USER_INPUT"),
        ("otp", "BAD_USER_INPUT"),
    ], result.body
    assert fields_and_codes(two) == [("password", "BAD_USER_INPUT"), ("otp", "BAD_USER_INPUT")], two.body
    assert all(error["path"] == ["login"] for error in result.errors)


async def test_reset_password_reports_an_unusable_token_and_a_weak_password_together(api: Api) -> None:
    weak = await api.execute(RESET, {"token": "no-such-token", "newPassword": "abc"})
    strong = await api.execute(RESET, {"token": "no-such-token", "newPassword": "brand_new_secret_77"})

    assert fields_and_codes(weak) == [("token", "BAD_USER_INPUT"), ("newPassword", "BAD_USER_INPUT")], weak.body
    assert fields_and_codes(strong) == [("token", "BAD_USER_INPUT")], strong.body


async def test_disabling_two_factor_reports_the_password_and_the_code_together(api: Api) -> None:
    account = await api.register("ann")
    await enable(api, account)

    both = await api.execute(DISABLE, {"password": "p" * 129, "code": "nope"}, token=account.token)
    code_only = await api.execute(DISABLE, {"password": account.password, "code": "nope"}, token=account.token)

    assert fields_and_codes(both) == [("password", "BAD_USER_INPUT"), ("code", "BAD_USER_INPUT")], both.body
    assert fields_and_codes(code_only) == [("code", "BAD_USER_INPUT")], code_only.body
    me = await api.execute("query { me { twoFactorEnabled } }", token=account.token)
    assert me.data == {"me": {"twoFactorEnabled": True}}
