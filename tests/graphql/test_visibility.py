"""The visibility rule on every path that returns a user: email, phoneNumber, isAdmin and
profile.pushNotifications are the owner's and the admins' to read; anyone else gets null, never an error,
while the public fields stay readable."""

from __future__ import annotations

from typing import Any

from services.accounts import registration
from tests.support import Account, Api

PRIVATE = "userName email phoneNumber isAdmin profile { pushNotifications verified }"
PUBLIC = "userName firstName email phoneNumber profile { pushNotifications verified }"

REGISTER = f"""mutation Register($input: RegisterInput!) {{ register(input: $input) {{ user {{ {PRIVATE} }} }} }}"""
LOGIN = f"""mutation Login($userName: String!, $password: String!) {{
  login(userName: $userName, password: $password) {{ accessToken refreshToken user {{ {PRIVATE} }} }}
}}"""
REFRESH = f"""mutation Refresh($refreshToken: String!) {{
  refreshToken(refreshToken: $refreshToken) {{ user {{ {PRIVATE} }} }}
}}"""
ME = f"query Me {{ me {{ {PRIVATE} }} }}"
USER = f"query User($userName: String!) {{ user(userName: $userName) {{ {PRIVATE} }} }}"
USER_PUBLIC = f"query User($userName: String!) {{ user(userName: $userName) {{ {PUBLIC} }} }}"
UPDATE_USER = f"""mutation UpdateUser($userName: String!, $input: UpdateUserInput!) {{
  updateUser(userName: $userName, input: $input) {{ {PRIVATE} }}
}}"""
UPDATE_PROFILE = (
    f"""mutation UpdateProfile($input: UpdateUserInput!) {{ updateProfile(input: $input) {{ {PRIVATE} }} }}"""
)

ANN = {"userName": "ann", "password": "secure_password123", "email": "ann@example.com", "phoneNumber": "+14155550100"}
HIDDEN_PRIVATE = {  # ann as anyone but her and the admins see her through PRIVATE
    "userName": "ann",
    "email": None,
    "phoneNumber": None,
    "isAdmin": None,
    "profile": {"pushNotifications": None, "verified": False},
}
ANN_SEES = {
    "userName": "ann",
    "email": "ann@example.com",
    "phoneNumber": "+14155550100",
    "isAdmin": False,
    "profile": {"pushNotifications": True, "verified": False},
}


async def _ann(api: Api) -> Account:
    """Ann, with push notifications on (so null can only mean hidden)."""
    _only(await api.execute(REGISTER, {"input": ANN}), "register")
    login = _only(await api.execute(LOGIN, {"userName": "ann", "password": ANN["password"]}), "login")
    account = Account(login["accessToken"], login["user"], ANN["password"], login["refreshToken"])
    changed = await api.execute(UPDATE_PROFILE, {"input": {"pushNotifications": True}}, token=account.token)
    assert _only(changed, "updateProfile") == ANN_SEES
    return account


async def _root(api: Api) -> Account:
    root = await api.register("root")
    await registration.grant_admin("root")
    return root


def _only(result: Any, name: str) -> Any:
    assert not result.errors, result.body
    return result.data[name]


async def test_register_returns_the_private_fields_to_the_new_owner(api: Api) -> None:
    user = _only(await api.execute(REGISTER, {"input": ANN}), "register")["user"]

    assert user == {**ANN_SEES, "profile": {"pushNotifications": False, "verified": False}}


async def test_every_path_of_the_owner_shows_the_private_fields(api: Api) -> None:
    ann = await _ann(api)

    login = _only(await api.execute(LOGIN, {"userName": "ANN", "password": ANN["password"]}), "login")
    refreshed = _only(await api.execute(REFRESH, {"refreshToken": login["refreshToken"]}), "refreshToken")
    seen = [
        login["user"],
        refreshed["user"],
        _only(await api.execute(ME, token=ann.token), "me"),
        _only(await api.execute(USER, {"userName": "ann"}, token=ann.token), "user"),
        _only(await api.execute(UPDATE_USER, {"userName": "ann", "input": {}}, token=ann.token), "updateUser"),
        _only(await api.execute(UPDATE_PROFILE, {"input": {}}, token=ann.token), "updateProfile"),
    ]

    for user in seen:
        assert user == ANN_SEES


async def test_an_admin_sees_the_private_fields_of_others_on_user_and_update_user(api: Api) -> None:
    await _ann(api)
    root = await _root(api)

    read = _only(await api.execute(USER, {"userName": "ann"}, token=root.token), "user")
    updated = _only(
        await api.execute(UPDATE_USER, {"userName": "ann", "input": {"bio": "Checked."}}, token=root.token),
        "updateUser",
    )

    assert read == ANN_SEES
    assert updated == ANN_SEES


async def test_anyone_else_sees_null_for_email_phone_number_and_push_notifications(api: Api) -> None:
    await _ann(api)
    bob = await api.register("bob")

    user = _only(await api.execute(USER_PUBLIC, {"userName": "ann"}, token=bob.token), "user")

    assert user == {
        "userName": "ann",
        "firstName": "",
        "email": None,
        "phoneNumber": None,
        "profile": {"pushNotifications": None, "verified": False},
    }


async def test_anyone_else_asking_for_is_admin_reads_null_and_the_rest_of_the_user(api: Api) -> None:
    await _ann(api)
    bob = await api.register("bob")

    result = await api.execute(USER, {"userName": "ann"}, token=bob.token)

    assert not result.errors, result.body
    assert result.data == {"user": HIDDEN_PRIVATE}


DIRECTORY = f"""query Directory($query: String!) {{ users(query: $query) {{ edges {{ node {{ {PUBLIC} }} }} }} }}"""
FOLLOW = "mutation Follow($userName: String!) { follow(userName: $userName) { __typename } }"
FOLLOWERS = f"query Followers {{ me {{ followers {{ edges {{ node {{ {PUBLIC} }} }} }} }} }}"
HIDDEN = {
    "userName": "ann",
    "firstName": "",
    "email": None,
    "phoneNumber": None,
    "profile": {"pushNotifications": None, "verified": False},
}


async def test_lists_apply_the_same_rule_as_user(api: Api) -> None:
    ann = await _ann(api)
    bob = await api.register("bob")
    root = await _root(api)
    _only(await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token), "follow")

    found_by_bob = _only(await api.execute(DIRECTORY, {"query": "ann"}, token=bob.token), "users")["edges"]
    found_by_root = _only(await api.execute(DIRECTORY, {"query": "ann"}, token=root.token), "users")["edges"]
    followers = _only(await api.execute(FOLLOWERS, token=bob.token), "me")["followers"]["edges"]

    assert [edge["node"] for edge in found_by_bob] == [HIDDEN]
    assert [edge["node"] for edge in followers] == [HIDDEN]
    assert [edge["node"]["email"] for edge in found_by_root] == ["ann@example.com"]
    assert [edge["node"]["profile"]["pushNotifications"] for edge in found_by_root] == [True]
