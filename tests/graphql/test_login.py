"""login: tokens for the right password, one answer for every wrong one."""

from __future__ import annotations

import jwt
import pytest

from settings import Settings
from tests.support import Api


async def test_login_returns_a_bearer_token_for_the_user(api: Api) -> None:
    account = await api.register(email="john@example.com")

    result = await api.login("john_doe")

    payload = result.data["login"]
    assert payload["tokenType"] == "Bearer" and payload["expiresIn"] == 900
    assert payload["user"]["userID"] == account.user["userID"]
    assert payload["user"]["email"] == "john@example.com"
    assert (await api.me(payload["accessToken"])).data["me"]["userName"] == "john_doe"


@pytest.mark.parametrize("identifier", ["JOHN_DOE", "john@example.com", "JOHN@EXAMPLE.COM", " john_doe "])
async def test_login_by_name_in_any_case_or_by_email(api: Api, identifier: str) -> None:
    await api.register(email="john@example.com")

    result = await api.login(identifier)

    assert result.data["login"]["user"]["userName"] == "john_doe"


async def test_wrong_password_and_unknown_user_get_the_same_answer(api: Api) -> None:
    await api.register()

    wrong_password = await api.login("john_doe", "not-the-password")
    unknown_user = await api.login("nobody", "not-the-password")

    assert wrong_password.data is None and unknown_user.data is None
    assert wrong_password.code == unknown_user.code == "UNAUTHENTICATED"
    assert wrong_password.error["message"] == unknown_user.error["message"]


async def test_password_over_128_characters_at_login_is_bad_user_input(api: Api) -> None:
    await api.register()

    result = await api.login("john_doe", "x" * 129)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")


async def test_token_claims(api: Api, settings: Settings) -> None:
    account = await api.register()

    header = jwt.get_unverified_header(account.token)
    claims = jwt.decode(account.token, options={"verify_signature": False})

    assert header["alg"] == settings.jwt_algorithm == "EdDSA"  # the default: a signing key, named by its kid
    assert isinstance(header["kid"], str) and header["kid"]
    assert set(claims) >= {"sub", "iat", "exp", "jti", "iss", "aud", "ver", "sid"}
    assert claims["sub"] == account.user["userID"]
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl
    assert (claims["iss"], claims["aud"]) == (settings.jwt_issuer, settings.jwt_audience)


async def test_each_login_gets_a_distinct_token_id(api: Api) -> None:
    await api.register()

    first = (await api.login("john_doe")).data["login"]["accessToken"]
    second = (await api.login("john_doe")).data["login"]["accessToken"]

    jti = [jwt.decode(t, options={"verify_signature": False})["jti"] for t in (first, second)]
    assert jti[0] != jti[1]


@pytest.mark.parametrize("identifier", ["x" * 26, "x" * 250 + "@example.com"], ids=["long-name", "long-email"])
async def test_names_longer_than_any_account_are_just_unknown(api: Api, identifier: str) -> None:
    """Found by fuzzing: the ORM refused to even look such a name up, and the client saw a 500."""
    result = await api.login(identifier, "whatever-password")

    assert result.code == "UNAUTHENTICATED"
