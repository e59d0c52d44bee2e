"""The REST door's routes (issue 22.1): what each answers, and the status and JSON body of each failure.

Every call goes through tests.support.rest.Rest, which checks each answer against GET /openapi.json (status
documented for the route, body valid against its schema, its headers present)."""

from __future__ import annotations

import pytest

from tests.support import Api
from tests.support.rest import PASSWORD, Rest, errors_of


@pytest.fixture
def rest(api: Api) -> Rest:
    return Rest(api.client)


async def test_register_answers_201_with_tokens_and_the_user_and_login_works_by_name_or_email(rest: Rest) -> None:
    registered = await rest.call(
        "POST", "/register", {"username": "ann_lee", "password": PASSWORD, "email": "ann@example.com"}
    )

    assert registered.status_code == 201
    assert registered.json()["user"]["userName"] == "ann_lee"
    assert registered.json()["user"]["email"] == "ann@example.com"
    by_name = await rest.call("POST", "/login", {"username": "ANN_LEE", "password": PASSWORD})
    by_email = await rest.call("POST", "/login", {"username": "ann@example.com", "password": PASSWORD})
    assert by_name.status_code == by_email.status_code == 200
    me = await rest.call("GET", "/api/me", token=by_email.json()["accessToken"])
    assert me.status_code == 200 and me.json()["userName"] == "ann_lee"
    assert me.headers["cache-control"] == "no-store"  # tokens and personal data


async def test_a_wrong_password_is_401_with_www_authenticate_and_never_echoed(rest: Rest) -> None:
    await rest.register("ann_lee")

    wrong = await rest.call("POST", "/login", {"username": "ann_lee", "password": "Guess-Number-1"})
    odd = await rest.call("POST", "/api/register", {"userName": "bob", "passwordHash": {"a": "Secret-Value-7"}})

    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert errors_of(wrong) == [("UNAUTHENTICATED", None)]
    assert "Guess-Number-1" not in wrong.text
    assert odd.status_code == 422
    assert errors_of(odd) == [("BAD_USER_INPUT", "passwordHash")]
    assert "Secret-Value-7" not in odd.text


async def test_no_token_and_a_bad_token_are_401_with_the_bearer_challenge(rest: Rest) -> None:
    missing = await rest.call("GET", "/api/me")
    bad = await rest.call("GET", "/api/me", token="not-a-token")
    update = await rest.call("PUT", "/user/profile", {"bio": "hi"})

    assert missing.status_code == bad.status_code == update.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert errors_of(bad) == [("UNAUTHENTICATED", None)]


async def test_another_user_reads_without_private_fields_and_an_unknown_one_is_404(rest: Rest) -> None:
    await rest.register("ann_lee", email="ann@example.com", phoneNumber="+15550109999")
    bob = await rest.register("bob_ray")

    ann = await rest.call("GET", "/api/users/ANN_LEE", token=bob["accessToken"])
    nobody = await rest.call("GET", "/api/users/nobody", token=bob["accessToken"])
    impossible = await rest.call("GET", "/api/users/bad%20name!", token=bob["accessToken"])

    assert ann.status_code == 200
    assert ann.json()["userName"] == "ann_lee"
    assert ann.json()["email"] is None and ann.json()["phoneNumber"] is None
    assert nobody.status_code == 404
    assert errors_of(nobody) == [("NOT_FOUND", "userName")]
    assert impossible.status_code == 422
    assert errors_of(impossible) == [("BAD_USER_INPUT", "userName")]


async def test_update_maps_the_seeds_field_names(rest: Rest) -> None:
    ann = await rest.register("ann_lee")

    updated = await rest.call(
        "PUT",
        "/api/users/ann_lee",
        {"profileImage_MediaUrl": "https://img.example/ann.png", "gender": "f", "pushNotifications": True},
        token=ann["accessToken"],
    )
    bad_url = await rest.call(
        "PUT", "/api/users/ann_lee", {"profileImage_MediaUrl": "ftp://x"}, token=ann["accessToken"]
    )
    named = await rest.call("PUT", "/user/profile", {"name": "Ann Marie Lee"}, token=ann["accessToken"])

    assert updated.status_code == 200
    assert updated.json()["profileImage"] == "https://img.example/ann.png"
    assert updated.json()["profile"]["gender"] == "f"
    assert updated.json()["profile"]["pushNotifications"] is True
    assert bad_url.status_code == 422
    assert errors_of(bad_url) == [("BAD_USER_INPUT", "profileImage_MediaUrl")]
    assert (named.json()["firstName"], named.json()["lastName"]) == ("Ann", "Marie Lee")


async def test_register_errors_name_the_fields_as_the_route_names_them(rest: Rest) -> None:
    seed_000 = await rest.call("POST", "/register", {"username": "bad name!", "password": PASSWORD})
    seed_001 = await rest.call("POST", "/api/register", {"userName": "ann_lee", "passwordHash": "short"})
    missing = await rest.call("POST", "/register", {"email": "ann@example.com"})

    assert seed_000.status_code == seed_001.status_code == missing.status_code == 422
    assert errors_of(seed_000) == [("BAD_USER_INPUT", "username")]
    assert seed_000.json()["error"]["message"].startswith("username ")
    assert errors_of(seed_001) == [("BAD_USER_INPUT", "passwordHash")]
    assert errors_of(missing) == [("BAD_USER_INPUT", "username"), ("BAD_USER_INPUT", "password")]
    assert [item["message"] for item in missing.json()["errors"]] == ["username is required.", "password is required."]


async def test_every_error_of_an_answer_is_passed_through(rest: Rest) -> None:
    ann = await rest.register("ann_lee")

    answer = await rest.call(
        "PUT", "/api/users/ann_lee", {"bio": 5, "accountPrivacy": "yes", "website": None}, token=ann["accessToken"]
    )

    assert answer.status_code == 422
    assert sorted(errors_of(answer)) == [("BAD_USER_INPUT", "accountPrivacy"), ("BAD_USER_INPUT", "bio")]
    messages = {item["field"]: item["message"] for item in answer.json()["errors"]}
    assert messages == {"bio": "bio must be a string.", "accountPrivacy": "accountPrivacy must be true or false."}


async def test_unknown_fields_are_refused_each_named_and_nothing_changes(rest: Rest) -> None:
    ann = await rest.register("ann_lee")

    typo = await rest.call(
        "PUT",
        "/api/users/ann_lee",
        {"bio": "new", "emial": "a@example.com", "profileImage": "https://x.example/i"},
        token=ann["accessToken"],
    )
    me = await rest.call("GET", "/api/me", token=ann["accessToken"])

    assert typo.status_code == 422
    assert errors_of(typo) == [("BAD_USER_INPUT", "emial"), ("BAD_USER_INPUT", "profileImage")]
    assert "Did you mean 'email'?" in typo.json()["errors"][0]["message"]
    assert "Did you mean 'profileImage_MediaUrl'?" in typo.json()["errors"][1]["message"]
    assert me.json()["bio"] is None


async def test_taken_names_and_emails_are_409(rest: Rest) -> None:
    await rest.register("ann_lee", email="ann@example.com")
    bob = await rest.register("bob_ray")

    same_name = await rest.call("POST", "/api/register", {"userName": "ANN_LEE", "passwordHash": PASSWORD})
    same_email = await rest.call("PUT", "/user/profile", {"email": "ANN@example.com"}, token=bob["accessToken"])

    assert same_name.status_code == same_email.status_code == 409
    assert errors_of(same_name) == [("CONFLICT", "userName")]
    assert errors_of(same_email) == [("CONFLICT", "email")]


async def test_another_users_account_is_403_and_an_unknown_one_404(rest: Rest) -> None:
    await rest.register("ann_lee")
    bob = await rest.register("bob_ray")

    others = await rest.call("PUT", "/api/users/ann_lee", {"bio": "mine now"}, token=bob["accessToken"])
    delete_others = await rest.call("DELETE", "/api/users/ann_lee", token=bob["accessToken"])
    verified = await rest.call("PUT", "/api/users/bob_ray", {"verified": True}, token=bob["accessToken"])
    unknown = await rest.call("PUT", "/api/users/nobody", {"bio": "x"}, token=bob["accessToken"])
    delete_unknown = await rest.call("DELETE", "/api/users/nobody", token=bob["accessToken"])

    assert others.status_code == delete_others.status_code == verified.status_code == 403
    assert errors_of(others)[0][0] == "FORBIDDEN"
    assert unknown.status_code == delete_unknown.status_code == 404


async def test_delete_takes_the_password_in_an_optional_body(rest: Rest) -> None:
    ann = await rest.register("ann_lee")

    wrong = await rest.call("DELETE", "/api/users/ann_lee", {"password": "not-the-password"}, token=ann["accessToken"])
    deleted = await rest.call("DELETE", "/api/users/ann_lee", {"password": PASSWORD}, token=ann["accessToken"])
    after = await rest.call("GET", "/api/me", token=ann["accessToken"])

    assert wrong.status_code == 422
    assert errors_of(wrong) == [("BAD_USER_INPUT", "password")]
    assert deleted.status_code == 200
    assert deleted.json()["userName"] == "ann_lee"
    assert after.status_code == 401


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"username": ', "application/json"),  # not JSON
        (b"[1, 2]", "application/json"),  # not an object
        (b'{"username": NaN}', "application/json"),  # not JSON either
        (b"\xff\xfe", "application/json"),  # not UTF-8
        (b"[" * 40_000 + b"]" * 40_000, "application/json"),  # nested past any parser (under the body cap)
        (b'{"username": "ann"}', "text/plain"),  # wrong type
        (b"username=ann&password=x", "application/x-www-form-urlencoded"),
        (b"", "application/json"),  # no body
    ],
)
async def test_a_malformed_body_is_400(rest: Rest, content: bytes, content_type: str) -> None:
    answer = await rest.call("POST", "/register", content=content, headers={"Content-Type": content_type})

    assert answer.status_code == 400
    assert errors_of(answer) == [("BAD_REQUEST", None)]
    assert "application/json" in answer.json()["error"]["message"]


async def test_a_wrong_method_is_405_with_allow(rest: Rest) -> None:
    answer = await rest.call("PATCH", "/api/users/ann_lee", {"bio": "x"})
    post = await rest.client.post("/api/me")

    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE"}
    assert errors_of(answer) == [("METHOD_NOT_ALLOWED", None)]
    assert post.status_code == 405 and set(post.headers["allow"].split(", ")) == {"GET", "HEAD"}


async def test_an_unknown_path_is_a_json_404_that_points_to_graphql_and_openapi(api: Api) -> None:
    answer = await api.client.post("/users", json={"username": "ann"})

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    message = answer.json()["error"]["message"]
    assert "/graphql" in message and "/openapi.json" in message
    assert answer.json()["errors"] == [answer.json()["error"]]


async def test_many_made_up_fields_get_a_bounded_answer(rest: Rest) -> None:
    body = {f"{'k' * 200}{index}": 1 for index in range(400)}

    answer = await rest.call("POST", "/register", body)

    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert len(errors) == 21
    assert errors[-1]["message"].startswith("And 380 more unknown fields.")
    assert all(len(item.get("field", "")) <= 100 for item in errors)
    assert len(answer.content) < 20_000
