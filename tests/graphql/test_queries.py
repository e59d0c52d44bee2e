"""me and user(userName:): who sees what."""

from __future__ import annotations

from tests.support import USER, Api


async def test_me_returns_the_caller(api: Api) -> None:
    account = await api.register(email="john@example.com", phoneNumber="+1234567890")

    me = (await api.me(account.token)).data["me"]

    assert me == account.user


async def test_user_by_name_hides_contact_details_from_others(api: Api) -> None:
    await api.register("john_doe", email="john@example.com", phoneNumber="+1234567890", firstName="John")
    jane = await api.register("jane")

    result = await api.execute(USER, {"userName": "john_doe"}, token=jane.token)

    john = result.data["user"]
    assert john["firstName"] == "John"
    assert john["email"] is None and john["phoneNumber"] is None


async def test_user_by_name_shows_contact_details_to_the_user_itself(api: Api) -> None:
    account = await api.register(email="john@example.com", phoneNumber="+1234567890")

    result = await api.execute(USER, {"userName": "John_Doe"}, token=account.token)

    assert result.data["user"]["email"] == "john@example.com"
    assert result.data["user"]["phoneNumber"] == "+1234567890"


async def test_unknown_user_is_null(api: Api) -> None:
    account = await api.register()

    result = await api.execute(USER, {"userName": "nobody"}, token=account.token)

    assert result.body == {"data": {"user": None}}


async def test_me_and_user_in_one_document_share_one_context(api: Api) -> None:
    account = await api.register(email="john@example.com")
    document = 'query { me { userName } user(userName: "john_doe") { email } other: user(userName: "x") { userID } }'

    result = await api.execute(document, token=account.token)

    assert result.body == {
        "data": {"me": {"userName": "john_doe"}, "user": {"email": "john@example.com"}, "other": None}
    }
