"""deleteUser: a hard delete of the user and its profile."""

from __future__ import annotations

from tortoise import Tortoise

from tests.support import DELETE_USER, REGISTER, USER, Api


async def test_delete_removes_the_user_its_profile_and_its_tokens(api: Api) -> None:
    account = await api.register()
    witness = await api.register("jane")

    result = await api.execute(DELETE_USER, {"userName": "john_doe"}, token=account.token)

    assert result.data["deleteUser"] == {"userID": account.user["userID"], "userName": "john_doe"}
    assert (await api.execute(USER, {"userName": "john_doe"}, token=witness.token)).data == {"user": None}
    assert (await api.me(account.token)).code == "UNAUTHENTICATED"
    assert (await api.login("john_doe")).code == "UNAUTHENTICATED"
    db = Tortoise.get_connection(api.backend)
    _, rows = await db.execute_query("SELECT COUNT(*) AS n FROM user_profiles")
    assert rows[0]["n"] == 1  # only jane's profile is left


async def test_a_deleted_name_can_be_registered_again(api: Api) -> None:
    account = await api.register()
    await api.execute(DELETE_USER, {"userName": "john_doe"}, token=account.token)

    result = await api.execute(REGISTER, {"input": {"userName": "john_doe", "password": "another-password"}})

    assert result.data["register"]["user"]["userID"] != account.user["userID"]


async def test_deleting_another_user_is_forbidden(api: Api) -> None:
    jane = await api.register("jane")
    account = await api.register()

    result = await api.execute(DELETE_USER, {"userName": "jane"}, token=account.token)

    assert result.code == "FORBIDDEN"
    assert (await api.me(jane.token)).data["me"]["userName"] == "jane"


async def test_deleting_an_unknown_user_is_not_found(api: Api) -> None:
    account = await api.register()

    result = await api.execute(DELETE_USER, {"userName": "nobody"}, token=account.token)

    assert (result.code, result.field) == ("NOT_FOUND", "userName")


async def test_deleting_twice_is_unauthenticated_the_second_time(api: Api) -> None:
    account = await api.register()
    await api.execute(DELETE_USER, {"userName": "john_doe"}, token=account.token)

    again = await api.execute(DELETE_USER, {"userName": "john_doe"}, token=account.token)

    assert again.code == "UNAUTHENTICATED"
