"""GET /openapi.json (issue 22.1): a valid OpenAPI 3.1 document of the REST door, and the live answers of every
route match its schemas (tests.support.rest checks every answer of the REST tests; here each route once, and
that the check catches an answer the document does not describe)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import validate

from tests.support import Api
from tests.support.pictures import png
from tests.support.rest import PASSWORD, Rest, check_answer

ROUTES = {
    ("POST", "/register"),
    ("POST", "/login"),
    ("PUT", "/user/profile"),
    ("POST", "/api/register"),
    ("GET", "/api/users/{userName}"),
    ("PUT", "/api/users/{userName}"),
    ("DELETE", "/api/users/{userName}"),
    ("GET", "/api/me"),
    ("PUT", "/api/users/{userName}/profile-image"),
    ("DELETE", "/api/users/{userName}/profile-image"),
}


async def test_the_document_is_valid_openapi_3_1_with_every_route(api: Api) -> None:
    response = await api.client.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    spec = response.json()
    validate(spec)  # raises on an invalid document
    assert spec["openapi"].startswith("3.1")
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert operations == ROUTES
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }


async def test_bodies_use_the_seeds_names_and_refuse_other_fields(api: Api) -> None:
    schemas = (await api.client.get("/openapi.json")).json()["components"]["schemas"]

    assert schemas["Register"]["required"] == ["username", "password"]
    assert set(schemas["Register"]["properties"]) == {"username", "password", "email"}
    assert set(schemas["ApiRegister"]["properties"]) == {
        "userName", "passwordHash", "email", "firstName", "lastName", "phoneNumber"
    }  # fmt: skip
    assert {"profileImage_MediaUrl", "providedOldPassword", "providedNewPassword", "name"} <= set(
        schemas["UserUpdate"]["properties"]
    )
    assert "profileImage" not in schemas["UserUpdate"]["properties"]
    for body in ("Register", "ApiRegister", "Login", "UserUpdate", "DeleteUser"):
        assert schemas[body]["additionalProperties"] is False
    assert schemas["User"]["properties"]["email"]["type"] == ["string", "null"]  # null for other people
    assert schemas["UserProfile"]["required"] == [
        "website",
        "gender",
        "pushNotifications",
        "accountPrivacy",
        "verified",
    ]


async def test_protected_routes_name_the_bearer_scheme_and_open_ones_none(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            open_route = path in {"/register", "/login", "/api/register"}
            assert operation["security"] == ([] if open_route else [{"bearerAuth": []}]), (method, path)
            if not open_route:
                assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


async def test_every_routes_live_success_matches_the_document(api: Api) -> None:
    rest = Rest(api.client)
    answered: set[tuple[str, str]] = set()

    async def call(
        method: str, path: str, template: str, body: Any = None, token: str | None = None, content: bytes | None = None
    ) -> Any:
        response = await rest.call(method, path, body, token=token, content=content)  # checked against the document
        assert response.status_code in (200, 201), response.text
        answered.add((method, template))
        return response.json()

    await call("POST", "/register", "/register", {"username": "ann_lee", "password": PASSWORD, "email": "a@x.example"})
    ann = await call("POST", "/login", "/login", {"username": "ann_lee", "password": PASSWORD})
    bob = await call("POST", "/api/register", "/api/register", {"userName": "bob_ray", "passwordHash": PASSWORD})
    await call("PUT", "/user/profile", "/user/profile", {"bio": "hi", "website": None}, ann["accessToken"])
    await call("GET", "/api/me", "/api/me", token=ann["accessToken"])
    other = await call("GET", "/api/users/ann_lee", "/api/users/{userName}", token=bob["accessToken"])
    await call("PUT", "/api/users/bob_ray", "/api/users/{userName}", {"gender": "m"}, bob["accessToken"])
    picture = "/api/users/{userName}/profile-image"
    await call("PUT", "/api/users/bob_ray/profile-image", picture, token=bob["accessToken"], content=png())
    await call("DELETE", "/api/users/bob_ray/profile-image", picture, token=bob["accessToken"])
    await call("DELETE", "/api/users/bob_ray", "/api/users/{userName}", token=bob["accessToken"])

    assert answered == ROUTES
    assert other["email"] is None


@pytest.mark.parametrize(
    "change",
    [
        lambda user: user.pop("userName"),  # a field the document requires
        lambda user: user.update(isAdmin=False),  # a field it does not describe
        lambda user: user.update(followersCount="0"),  # a wrong type
        lambda user: user["profile"].update(verified=None),  # null where it may not be
    ],
)
async def test_the_check_catches_an_answer_the_document_does_not_describe(api: Api, change: Any) -> None:
    rest = Rest(api.client)
    token = (await rest.register("ann_lee"))["accessToken"]
    answer = await rest.call("GET", "/api/me", token=token)
    user = answer.json()

    change(user)

    drifted = httpx.Response(200, headers={"content-type": "application/json"}, content=json.dumps(user).encode())
    with pytest.raises(ValidationError):
        check_answer(await rest.openapi(), "GET", "/api/me", drifted)
