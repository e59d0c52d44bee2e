"""Admins: nobody by default, made only by `python main.py create-admin`, allowed to manage any user."""

from __future__ import annotations

from services.accounts import registration
from tests.support import DELETE_USER, PASSWORD, REGISTER, USER, Account, Api

ME_ADMIN = "query MeAdmin { me { userName isAdmin } }"
USER_ADMIN = "query UserAdmin($userName: String!) { user(userName: $userName) { userName isAdmin } }"
LOGIN_ADMIN = """
mutation LoginAdmin($userName: String!, $password: String!) {
  login(userName: $userName, password: $password) { accessToken user { userName isAdmin } }
}"""
UPDATE_PROFILE_ADMIN = """
mutation SelfPromote($input: UpdateUserInput!) { updateProfile(input: $input) { userName isAdmin } }
"""
INPUT_FIELDS = "query InputFields($name: String!) { __type(name: $name) { kind inputFields { name } } }"

REGISTER_FIELDS = {"userName", "password", "email", "firstName", "lastName", "phoneNumber"}
UPDATE_FIELDS = {
    "name",
    "userName",
    "firstName",
    "lastName",
    "email",
    "phoneNumber",
    "bio",
    "profileImage",
    "website",
    "gender",
    "pushNotifications",
    "accountPrivacy",
    "verified",  # admins only; FORBIDDEN for anyone else (test_update.py)
    "providedOldPassword",
    "providedNewPassword",
}


async def admin(api: Api, user_name: str = "root") -> Account:
    """A registered user promoted the way the CLI does it."""
    account = await api.register(user_name)
    await registration.grant_admin(user_name)
    return account


async def is_admin(api: Api, token: str) -> bool:
    result = await api.execute(ME_ADMIN, token=token)
    assert not result.errors, result.body
    return bool(result.data["me"]["isAdmin"])


# Nobody is admin until create-admin says so


async def test_nobody_is_admin_on_a_fresh_database(api: Api) -> None:
    accounts_ = [await api.register(name) for name in ("first", "admin", "root", "administrator")]

    for account in accounts_:
        assert account.user["userName"]
        assert await is_admin(api, account.token) is False
    login = await api.execute(LOGIN_ADMIN, {"userName": "first", "password": PASSWORD})
    assert login.data["login"]["user"] == {"userName": "first", "isAdmin": False}


# What admins may do


async def test_admin_may_update_another_user_and_verify_them(api: Api) -> None:
    root = await admin(api)
    jane = await api.register("jane")

    result = await api.update_user(root, user_name="jane", bio="Checked by support.", verified=True)

    assert not result.errors, result.body
    assert result.data["updateUser"]["userName"] == "jane"
    assert result.data["updateUser"]["bio"] == "Checked by support."
    assert result.data["updateUser"]["profile"]["verified"] is True
    me = (await api.me(jane.token)).data["me"]
    assert me["bio"] == "Checked by support." and me["profile"]["verified"] is True
    assert await is_admin(api, jane.token) is False  # verifying someone does not make them admin


async def test_admin_may_verify_themselves(api: Api) -> None:
    root = await admin(api)

    result = await api.update_user(root, verified=True)

    assert result.data["updateUser"]["profile"]["verified"] is True


async def test_a_normal_user_may_not_do_what_an_admin_may(api: Api) -> None:
    await admin(api)
    jane = await api.register("jane")
    mallory = await api.register("mallory")

    update = await api.update_user(mallory, user_name="jane", bio="Checked by support.", verified=True)
    delete = await api.execute(DELETE_USER, {"userName": "jane"}, token=mallory.token)

    assert update.code == "FORBIDDEN" and update.data is None
    assert delete.code == "FORBIDDEN" and delete.data is None
    me = (await api.me(jane.token)).data["me"]
    assert me["bio"] is None and me["profile"]["verified"] is False


async def test_admin_may_delete_another_user(api: Api) -> None:
    root = await admin(api)
    jane = await api.register("jane")

    result = await api.execute(DELETE_USER, {"userName": "jane"}, token=root.token)

    assert result.data["deleteUser"] == {"userID": jane.user["userID"], "userName": "jane"}
    assert (await api.execute(USER, {"userName": "jane"}, token=root.token)).data == {"user": None}
    assert (await api.me(jane.token)).code == "UNAUTHENTICATED"
    assert (await api.login("jane")).code == "UNAUTHENTICATED"
    assert await is_admin(api, root.token) is True


async def test_admin_sees_another_users_contact_details(api: Api) -> None:
    root = await admin(api)
    await api.register("jane", email="jane@example.com", phoneNumber="+14155550100")

    result = await api.execute(USER, {"userName": "jane"}, token=root.token)

    assert result.data["user"]["email"] == "jane@example.com"
    assert result.data["user"]["phoneNumber"] == "+14155550100"


# Who sees isAdmin


async def test_is_admin_is_visible_to_the_user_itself(api: Api) -> None:
    ann = await api.register("ann")
    assert await is_admin(api, ann.token) is False
    own = await api.execute(USER_ADMIN, {"userName": "ann"}, token=ann.token)
    assert own.data == {"user": {"userName": "ann", "isAdmin": False}}

    await registration.grant_admin("ann")

    assert await is_admin(api, ann.token) is True  # the token already held sees the new role
    own = await api.execute(USER_ADMIN, {"userName": "ann"}, token=ann.token)
    assert own.data == {"user": {"userName": "ann", "isAdmin": True}}


async def test_is_admin_is_visible_to_admins(api: Api) -> None:
    root = await admin(api)
    await api.register("jane")
    await admin(api, "other_admin")

    jane = await api.execute(USER_ADMIN, {"userName": "jane"}, token=root.token)
    other = await api.execute(USER_ADMIN, {"userName": "other_admin"}, token=root.token)

    assert jane.data == {"user": {"userName": "jane", "isAdmin": False}}
    assert other.data == {"user": {"userName": "other_admin", "isAdmin": True}}


async def test_is_admin_of_someone_else_reads_null_for_a_normal_user(api: Api) -> None:
    await admin(api)
    await api.register("jane")
    mallory = await api.register("mallory")

    for name in ("root", "jane"):
        result = await api.execute(USER_ADMIN, {"userName": name}, token=mallory.token)

        assert result.status == 200
        assert not result.errors, result.body
        # Null for an admin and for anyone else alike (like email): it tells nothing, and blanks nothing.
        assert result.data == {"user": {"userName": name, "isAdmin": None}}


async def test_other_fields_of_someone_else_stay_readable_without_is_admin(api: Api) -> None:
    await admin(api)
    mallory = await api.register("mallory")

    result = await api.execute(USER, {"userName": "root"}, token=mallory.token)

    assert not result.errors
    assert result.data["user"]["userName"] == "root"
    assert result.data["user"]["email"] is None


# Input types cannot carry the admin flag or anything else not the user's to set


async def test_input_types_expose_only_what_the_user_may_set(api: Api) -> None:
    register = await api.execute(INPUT_FIELDS, {"name": "RegisterInput"})
    update = await api.execute(INPUT_FIELDS, {"name": "UpdateUserInput"})

    assert register.data["__type"]["kind"] == "INPUT_OBJECT"
    assert update.data["__type"]["kind"] == "INPUT_OBJECT"
    assert {field["name"] for field in register.data["__type"]["inputFields"]} == REGISTER_FIELDS
    assert {field["name"] for field in update.data["__type"]["inputFields"]} == UPDATE_FIELDS


async def test_sending_is_admin_is_refused_and_grants_nothing(api: Api) -> None:
    ann = await api.register("ann")

    update = await api.execute(UPDATE_PROFILE_ADMIN, {"input": {"isAdmin": True}}, token=ann.token)
    other = await api.update_user(ann, **{"isAdmin": True})
    register = await api.execute(REGISTER, {"input": {"userName": "eve", "password": PASSWORD, "isAdmin": True}})

    for result in (update, other, register):
        assert result.data is None
        assert {error["extensions"]["code"] for error in result.errors} == {"BAD_USER_INPUT"}
    assert await is_admin(api, ann.token) is False
    assert (await api.login("eve")).code == "UNAUTHENTICATED"
