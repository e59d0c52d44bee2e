"""Property-based tests (hypothesis) of the REST door: whatever JSON a client sends to a route, the answer is one
the OpenAPI document describes for it, never a 500, and it never repeats a value sent (passwords included)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from main import create_app
from settings import Settings
from tests.graphql.test_fuzz import FUZZ, NASTY, TEXT, WRONG_TYPES
from tests.support import replace
from tests.support.rest import PASSWORD, Rest

SECRET = "Zq-fuzz-secret-7731"  # sent as every string that could be a password, looked for in every answer
FIELDS = {
    ("POST", "/register"): ["username", "password", "email"],
    ("POST", "/login"): ["username", "password", "otp"],
    ("POST", "/api/register"): ["userName", "passwordHash", "email", "firstName", "lastName", "phoneNumber"],
    ("PUT", "/user/profile"): [
        "name",
        "email",
        "bio",
        "profileImage_MediaUrl",
        "accountPrivacy",
        "providedOldPassword",
    ],
    ("PUT", "/api/users/fz_owner"): ["userName", "website", "gender", "verified", "providedNewPassword"],
    ("DELETE", "/api/users/fz_owner"): ["password"],
}
VALUES = st.one_of(TEXT, WRONG_TYPES, st.none(), st.sampled_from([SECRET, *NASTY]))
KEYS = st.one_of(st.sampled_from(sorted({name for names in FIELDS.values() for name in names})), st.text(max_size=8))


@pytest.fixture
async def door(db: str, settings: Settings) -> AsyncIterator[tuple[Rest, str]]:
    """The door without rate limits, and the token of fz_owner (whose routes the fuzz calls)."""
    app = create_app(replace(settings, rate_limit_enabled=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        rest = Rest(client)
        owner = await rest.register("fz_owner", PASSWORD)
        yield rest, owner["accessToken"]


@FUZZ
@given(route=st.sampled_from(sorted(FIELDS)), body=st.dictionaries(KEYS, VALUES, max_size=4))
async def test_any_json_object_gets_a_documented_answer(door: tuple[Rest, str], route: Any, body: Any) -> None:
    rest, token = door
    method, path = route
    if method == "DELETE":
        body = {key: value for key, value in body.items() if key != "password"}  # keep fz_owner for the next one

    response = await rest.call(method, path, body, token=token)  # checked against /openapi.json

    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert SECRET not in response.text


@FUZZ
@given(content=st.one_of(st.binary(max_size=64), TEXT.map(lambda text: text.encode("utf-8", "surrogatepass"))))
async def test_any_bytes_get_a_documented_answer(door: tuple[Rest, str], content: bytes) -> None:
    rest, token = door

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    response = await rest.call("PUT", "/user/profile", content=content, headers=headers)

    assert response.status_code < 500, response.text
    try:
        sent = json.loads(content)
    except ValueError:
        sent = None
    if isinstance(sent, str) and len(sent) > 3:
        assert sent not in response.text
