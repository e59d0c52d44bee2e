"""Cookie mode (AUTH_COOKIES=true) over HTTP: the refresh token in an HttpOnly cookie, never in a body;
/auth/refresh and /auth/logout working from it, behind their CSRF checks; and nothing of it without the setting.

The test client's own cookie jar stays out of it: each test reads Set-Cookie itself and sends the cookie it
means to, as a browser would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import Morsel, SimpleCookie

import httpx

from main import create_app
from settings import Settings
from tests.graphql.test_two_factor import LOGIN as LOGIN_WITH_OTP
from tests.graphql.test_two_factor import enable
from tests.support import LOGIN, PASSWORD, REFRESH, REGISTER, Account, Api, replace

FRONT_END = "https://app.example"
COOKIE = "__Secure-refresh_token"
CSRF = {"X-Requested-With": "fetch"}
TYPENAME = "{ __typename }"


def cookie_mode(settings: Settings, **changes: object) -> Settings:
    return replace(settings, auth_cookies=True, cors_origins=(FRONT_END,), **changes)


@asynccontextmanager
async def client_for(settings: Settings, db: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, backend=db)


def set_cookies(response: httpx.Response) -> dict[str, Morsel[str]]:
    """The cookies a response sets, by name, with their attributes."""
    found: dict[str, Morsel[str]] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        found.update(parsed)
    return found


def refresh_cookie(response: httpx.Response) -> str:
    morsel = set_cookies(response)[COOKIE]
    assert morsel.value, response.headers.get_list("set-cookie")
    return morsel.value


async def graphql(api: Api, query: str, variables: dict[str, object] | None = None) -> httpx.Response:
    response = await api.client.post("/graphql", json={"query": query, "variables": variables})
    api.client.cookies.clear()
    return response


async def post(api: Api, path: str, cookie: str | None, headers: dict[str, str] | None = None) -> httpx.Response:
    sent = dict(CSRF if headers is None else headers)
    if cookie is not None:
        sent["Cookie"] = f"{COOKIE}={cookie}"
    response = await api.client.post(path, headers=sent)
    api.client.cookies.clear()
    return response


async def signed_up(api: Api, name: str = "ada") -> httpx.Response:
    response = await graphql(api, REGISTER, {"input": {"userName": name, "password": PASSWORD}})
    assert not response.json().get("errors"), response.json()
    return response


async def test_login_sets_the_refresh_token_in_a_locked_cookie_and_not_in_the_body(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        await signed_up(api)
        response = await graphql(api, LOGIN, {"userName": "ada", "password": PASSWORD})
        payload = response.json()["data"]["login"]
        me = await api.me(payload["accessToken"])

    cookie = set_cookies(response)[COOKIE]
    assert payload["refreshToken"] is None
    assert cookie.value and cookie.value not in response.text
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/auth"
    assert cookie["domain"] == ""  # host-only: no other host gets it
    assert int(cookie["max-age"]) == payload["refreshExpiresIn"] > 0
    assert me.data["me"]["userName"] == "ada"


async def test_register_refresh_and_two_factor_sign_in_set_the_cookie_too(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        registered = await signed_up(api)
        access = registered.json()["data"]["register"]["accessToken"]
        two_factor = await enable(api, Account(token=access, user={"userName": "ada"}, password=PASSWORD))
        with_code = await graphql(
            api, LOGIN_WITH_OTP, {"userName": "ada", "password": PASSWORD, "otp": two_factor.code(0)}
        )
        refreshed = await graphql(api, REFRESH, {"refreshToken": refresh_cookie(with_code)})

    assert registered.json()["data"]["register"]["refreshToken"] is None
    assert refresh_cookie(registered)
    assert with_code.json()["data"]["login"]["refreshToken"] is None
    assert refresh_cookie(with_code)
    assert refreshed.json()["data"]["refreshToken"]["refreshToken"] is None
    assert refresh_cookie(refreshed) != refresh_cookie(with_code)


async def test_refresh_from_the_cookie_rotates_it_and_answers_an_access_token(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        first = refresh_cookie(await signed_up(api))
        response = await post(api, "/auth/refresh", first)
        body = response.json()
        me = await api.me(body["accessToken"])
        again = await post(api, "/auth/refresh", refresh_cookie(response))

    assert response.status_code == 200
    assert set(body) == {"accessToken", "tokenType", "expiresIn"}
    assert body["tokenType"] == "Bearer" and body["expiresIn"] > 0
    assert response.headers["cache-control"] == "no-store"
    second = set_cookies(response)[COOKIE]
    assert second.value != first
    assert second["httponly"] is True and second["path"] == "/auth" and second["samesite"].lower() == "strict"
    assert me.data["me"]["userName"] == "ada"
    assert again.status_code == 200, again.text


async def test_logout_ends_the_session_and_clears_the_cookie(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        registered = await signed_up(api)
        cookie = refresh_cookie(registered)
        access = registered.json()["data"]["register"]["accessToken"]
        response = await post(api, "/auth/logout", cookie)
        me = await api.me(access)
        refresh = await post(api, "/auth/refresh", cookie)

    assert response.status_code == 204
    cleared = set_cookies(response)[COOKIE]
    assert cleared.value == ""
    assert cleared["max-age"] == "0"
    assert cleared["path"] == "/auth"
    assert me.code == "UNAUTHENTICATED"  # the session's access token died with it
    assert refresh.status_code == 401
    assert refresh.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_logout_without_a_cookie_still_clears_and_answers_204(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        response = await post(api, "/auth/logout", None)

    assert response.status_code == 204
    assert set_cookies(response)[COOKIE]["max-age"] == "0"


async def test_without_the_csrf_header_the_cookie_does_nothing(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        cookie = refresh_cookie(await signed_up(api))
        refresh = await post(api, "/auth/refresh", cookie, headers={"Origin": FRONT_END})
        logout = await post(api, "/auth/logout", cookie, headers={"Origin": FRONT_END, "X-Requested-With": " "})
        still = await post(api, "/auth/refresh", cookie, headers=CSRF | {"Origin": FRONT_END})

    for refused in (refresh, logout):
        assert refused.status_code == 403
        error = refused.json()["errors"][0]
        assert error["extensions"] == {"code": "FORBIDDEN", "reason": "CSRF_HEADER_MISSING"}
        assert "X-Requested-With" in error["message"]
        assert COOKIE not in set_cookies(refused)
    assert still.status_code == 200, still.text  # the refused logout ended nothing, the refused refresh spent nothing


async def test_an_origin_not_listed_is_refused_and_the_listed_and_own_are_not(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        cookie = refresh_cookie(await signed_up(api))
        answers = {}
        for origin in ("https://evil.example", "https://app.example.evil.example", "null", "http://app.example"):
            answers[origin] = await post(api, "/auth/refresh", cookie, headers=CSRF | {"Origin": origin})
        listed = await post(api, "/auth/refresh", cookie, headers=CSRF | {"Origin": FRONT_END})
        own = await post(api, "/auth/refresh", refresh_cookie(listed), headers=CSRF | {"Origin": "http://testserver"})
        logout = await post(api, "/auth/logout", refresh_cookie(own), headers=CSRF | {"Origin": "https://evil.example"})

    for origin, refused in answers.items():
        assert refused.status_code == 403, origin
        assert refused.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN", "reason": "ORIGIN_NOT_ALLOWED"}
    assert listed.status_code == 200, listed.text
    assert own.status_code == 200, own.text
    assert logout.status_code == 403
    assert COOKIE not in set_cookies(logout)


async def test_a_refresh_without_a_cookie_or_with_a_bad_one_says_sign_in(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        missing = await post(api, "/auth/refresh", None)
        garbage = await post(api, "/auth/refresh", "x" * 300)
        unknown = await post(api, "/auth/refresh", "not-a-token-we-issued")

    for response in (missing, garbage, unknown):
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "x" * 300 not in response.text
    assert missing.json()["errors"][0]["extensions"]["reason"] == "SESSION_ENDED"
    for dead in (garbage, unknown):
        assert set_cookies(dead)[COOKIE]["max-age"] == "0"  # a cookie that can never work goes


async def test_a_throttled_refresh_keeps_the_cookie_and_says_when(db: str, settings: Settings) -> None:
    async with client_for(cookie_mode(settings, refresh_max_per_address=1), db) as api:
        cookie = refresh_cookie(await signed_up(api))
        first = await post(api, "/auth/refresh", cookie)
        throttled = await post(api, "/auth/refresh", refresh_cookie(first))

    assert first.status_code == 200
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_REQUESTS"
    assert int(throttled.headers["retry-after"]) >= 1
    assert COOKIE not in set_cookies(throttled)  # still good once the window passes


async def test_cors_lets_the_listed_origin_send_the_cookie_and_read_the_answer(db: str, settings: Settings) -> None:
    preflight_headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-requested-with"}
    async with client_for(cookie_mode(settings), db) as api:
        listed = await api.client.options("/auth/refresh", headers=preflight_headers | {"Origin": FRONT_END})
        other = await api.client.options(
            "/auth/refresh", headers=preflight_headers | {"Origin": "https://evil.example"}
        )
        login = await api.client.post("/graphql", json={"query": TYPENAME}, headers={"Origin": FRONT_END})

    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == FRONT_END
    assert listed.headers["access-control-allow-credentials"] == "true"
    assert "x-requested-with" in listed.headers["access-control-allow-headers"].lower()
    assert login.headers["access-control-allow-credentials"] == "true"  # so the browser keeps login's cookie
    assert login.headers["access-control-allow-origin"] == FRONT_END
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers  # the browser sends nothing after it


async def test_the_cookies_attributes_follow_the_settings(db: str, settings: Settings) -> None:
    changed = cookie_mode(settings, auth_cookie_samesite="lax", auth_cookie_secure=False, auth_cookie_path="/api/auth")
    async with client_for(changed, db) as api:
        response = await signed_up(api)

    cookie = set_cookies(response)["refresh_token"]  # no __Secure- prefix: browsers refuse it without Secure
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]
    assert cookie["path"] == "/api/auth"
    assert cookie["httponly"] is True


async def test_without_auth_cookies_nothing_changes(db: str, settings: Settings) -> None:
    async with client_for(replace(settings, cors_origins=(FRONT_END,)), db) as api:
        response = await signed_up(api)
        refresh = await post(api, "/auth/refresh", "anything")
        logout = await post(api, "/auth/logout", "anything")
        preflight = await api.client.options(
            "/graphql",
            headers={"Origin": FRONT_END, "Access-Control-Request-Method": "POST"},
        )

    assert response.json()["data"]["register"]["refreshToken"]
    assert response.headers.get_list("set-cookie") == []
    assert refresh.status_code == 404
    assert logout.status_code == 404
    assert preflight.headers.get("access-control-allow-credentials") is None


async def test_the_rest_doors_login_and_register_put_the_refresh_token_in_the_cookie_too(
    db: str, settings: Settings
) -> None:
    async with client_for(cookie_mode(settings), db) as api:
        registered = await api.client.post("/register", json={"username": "ada", "password": PASSWORD})
        api.client.cookies.clear()
        logged_in = await api.client.post("/login", json={"username": "ada", "password": PASSWORD})
        api.client.cookies.clear()
        refreshed = await post(api, "/auth/refresh", refresh_cookie(logged_in))

    for response in (registered, logged_in):
        assert response.status_code in (200, 201), response.text
        assert response.json()["accessToken"] and response.json()["refreshToken"] is None
        morsel = set_cookies(response)[COOKIE]
        assert morsel["httponly"] and morsel["path"] == "/auth"
    assert refreshed.status_code == 200 and refreshed.json()["accessToken"]
