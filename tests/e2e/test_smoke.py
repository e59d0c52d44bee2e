from tests.support import Api


async def test_register_then_me(api: Api) -> None:
    account = await api.register(email="john@example.com")
    result = await api.me(account.token)
    assert result.data["me"]["email"] == "john@example.com"
