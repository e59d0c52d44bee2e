"""Malformed input never reaches the database: cursors, session ids, one-time codes and directory searches.

Each case is answered BAD_USER_INPUT naming its argument (never INTERNAL_SERVER_ERROR), on every backend;
a long search within what a name can be answers normally. The rules, as the API documents them:
a cursor is one the server handed out for that list (a list's tag and a position: a row id, a positive
64-bit integer, or a userName key); a session id is 32 hexadecimal digits; a one-time code is 6 ASCII
digits (TOTP) or a recovery code of 16 letters a-z and digits 2-7, with optional dashes and spaces.
test_fuzz.py fuzzes the same arguments.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from services.accounts import registration
from tests.graphql.test_two_factor import CONFIRM, DISABLE, REGENERATE, begin, enable, login
from tests.support import PASSWORD, Api, Result
from tests.support.social import (
    BLOCK,
    BLOCKED_USERS,
    DIRECTORY,
    FOLLOW_REQUESTS,
    FOLLOWERS,
    FOLLOWING,
    MAKE_PRIVATE,
    connection,
    follow,
    names,
)

EVENTS = (
    "query Events($first: Int, $after: String) { securityEvents(first: $first, after: $after) { edges { cursor } } }"
)
MY_FOLLOWERS = """
query MyFollowers($first: Int, $after: String) { me { followers(first: $first, after: $after) { totalCount } } }
"""
REVOKE_SESSION = "mutation RevokeSession($id: ID!) { revokeSession(id: $id) }"
COUNT = "query Count($query: String!) { users(query: $query) { totalCount edges { node { userName } } } }"

# list -> (document, the tag its cursors carry, extra variables)
LISTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "followers": (FOLLOWERS, "followers", {"userName": "owner"}),
    "following": (FOLLOWING, "following", {"userName": "owner"}),
    "me.followers": (MY_FOLLOWERS, "followers", {}),
    "followRequests": (FOLLOW_REQUESTS, "requests", {}),
    "blockedUsers": (BLOCKED_USERS, "blocked", {}),
    "securityEvents": (EVENTS, "securityEvents", {}),
    "users": (DIRECTORY, "users", {"query": "ow"}),
}
STRING_POSITIONS = {"users"}  # the directory's cursors hold a userName key, the others a row id


def cursor_of(value: Any) -> str:
    """A cursor as the server writes them: base64url of compact JSON, unpadded (schema/pagination.py)."""
    return encode_raw(json.dumps(value, separators=(",", ":")).encode())


def encode_raw(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bad_cursors(tag: str, string_positions: bool) -> dict[str, str]:
    """Cursors no list ever handed out, each of one malformed shape."""
    other = "followers" if tag != "followers" else "following"
    cases = {
        "beyond 64 bits": cursor_of([tag, 10**29]),
        "just beyond 64 bits": cursor_of([tag, 2**63]),
        "negative": cursor_of([tag, -1]),
        "float": cursor_of([tag, 1.5]),
        "boolean": cursor_of([tag, True]),
        "null": cursor_of([tag, None]),
        "another list's tag": cursor_of([other, 1]),
        "three items": cursor_of([tag, 1, 2]),
        "an object": cursor_of({"kind": tag, "position": 1}),
        "nested brackets": encode_raw(b"[" * 5_000 + b"]" * 5_000),
        "nested in a cursor": encode_raw(f'["{tag}",'.encode() + b"[" * 5_000 + b"]" * 5_000 + b"]"),
        "not base64": "%%%not base64%%%",
        "not UTF-8": encode_raw(b'["' + tag.encode() + b'",1,"\xff"]'),
        "very long": "A" * 60_000,
        "huge number text": encode_raw(f'["{tag}",{"9" * 4_000}]'.encode()),
    }
    if string_positions:
        cases |= {
            "an integer": cursor_of([tag, 1]),
            "lone surrogate": encode_raw(f'["{tag}","ann\\ud800"]'.encode()),
            "NUL": encode_raw(f'["{tag}","ann\\u0000"]'.encode()),
            "huge string": cursor_of([tag, "a" * 5_000]),
            "longer than a userName": cursor_of([tag, "a" * 26]),
        }
    else:
        cases |= {"a string": cursor_of([tag, "1"]), "lone surrogate": encode_raw(f'["{tag}","\\ud800"]'.encode())}
    return cases


ALL_CURSORS = [
    pytest.param(name, case, cursor, id=f"{name}-{case}")
    for name, (_, tag, _) in LISTS.items()
    for case, cursor in bad_cursors(tag, name in STRING_POSITIONS).items()
]


def assert_bad_input(result: Result, field: str) -> None:
    assert result.status == 200, result.body
    assert (result.code, result.field) == ("BAD_USER_INPUT", field), result.body


@pytest.mark.parametrize(("name", "case", "cursor"), ALL_CURSORS)
async def test_a_malformed_cursor_is_bad_input_on_every_list(api: Api, name: str, case: str, cursor: str) -> None:
    owner = await api.register("owner")
    document, _, variables = LISTS[name]

    result = await api.execute(document, {**variables, "after": cursor}, token=owner.token)

    assert_bad_input(result, "after")


@pytest.mark.parametrize("name", [name for name in LISTS if name != "me.followers"])
async def test_the_cursors_a_list_hands_out_still_work(api: Api, name: str) -> None:
    owner = await api.register("owner")
    await api.login("owner", "a-wrong-password")  # security events
    await api.login("owner")
    if name == "followRequests":
        await api.execute(MAKE_PRIVATE, {"on": True}, token=owner.token)
    for n in range(3):
        fan = await api.register(f"ow{n}")
        await follow(api, fan, "owner")
        await follow(api, owner, fan.name)
        if name == "blockedUsers":
            await api.execute(BLOCK, {"userName": fan.name}, token=owner.token)
    document, _, variables = LISTS[name]

    first = await api.execute(document, {**variables, "first": 1}, token=owner.token)
    after = connection(first)["edges"][0]["cursor"]
    second = await api.execute(document, {**variables, "first": 1, "after": after}, token=owner.token)

    assert not second.errors, second.body
    assert len(connection(second)["edges"]) == 1, second.body


# Sessions


@pytest.mark.parametrize("session_id", ["\ud800", "\u0000", "a" * 31 + "\u0000", "x" * 500, "not a session", "1"])
async def test_a_malformed_session_id_is_bad_input(api: Api, session_id: str) -> None:
    account = await api.register()

    result = await api.execute(REVOKE_SESSION, {"id": session_id}, token=account.token)

    assert_bad_input(result, "id")
    assert (await api.me(account.token)).data["me"]["userName"] == "john_doe"


async def test_a_well_formed_id_of_no_session_of_yours_is_not_found(api: Api) -> None:
    account = await api.register()

    for session_id in ("0" * 32, "F" * 32):
        result = await api.execute(REVOKE_SESSION, {"id": session_id}, token=account.token)
        assert (result.code, result.field) == ("NOT_FOUND", "id"), result.body


# One-time codes

MALFORMED_CODES = [
    "١٢٣٤٥٦",  # Arabic-Indic digits: str.isdigit() and int() accept them
    "۱۲۳۴۵۶",  # Extended Arabic-Indic
    "\uff11\uff12\uff13\uff14\uff15\uff16",  # fullwidth digits
    "12345\u0663",
    "\ud800",
    "12\ud80034",
    "12\u000034",
    "abcd-efgh-ijkl-mno\u0000",
    "abcd-efgh-ijkl-\u212aop",  # KELVIN SIGN, which lower() turns into an ASCII k
    "1234567",  # neither 6 digits nor a recovery code
    "abcd-efgh-ijkl-mnop-q",
    "abcd-efgh-ijkl-mn01",  # 0 and 1 are not in the recovery alphabet
    "x" * 10_000,
]


@pytest.mark.parametrize("code", MALFORMED_CODES)
async def test_a_malformed_code_at_login_is_bad_input(api: Api, code: str) -> None:
    account = await api.register()
    state = await enable(api, account)

    result = await login(api, "john_doe", code)

    assert_bad_input(result, "otp")
    assert not (await login(api, "john_doe", state.code())).errors  # nothing was spent or throttled


@pytest.mark.parametrize("code", MALFORMED_CODES[:6])
async def test_a_malformed_code_at_login_is_bad_input_without_two_factor_too(api: Api, code: str) -> None:
    await api.register()

    assert_bad_input(await login(api, "john_doe", code), "otp")


@pytest.mark.parametrize("code", [*MALFORMED_CODES, "abcd-efgh-ijkl-mnop"])
async def test_a_malformed_code_in_confirm_is_bad_input(api: Api, code: str) -> None:
    account = await api.register()
    await begin(api, account)

    result = await api.execute(CONFIRM, {"code": code}, token=account.token)

    assert_bad_input(result, "code")


@pytest.mark.parametrize("document", [DISABLE, REGENERATE], ids=["disableTwoFactor", "regenerateRecoveryCodes"])
@pytest.mark.parametrize("code", MALFORMED_CODES)
async def test_a_malformed_code_with_the_password_is_bad_input(api: Api, document: str, code: str) -> None:
    account = await api.register()
    state = await enable(api, account)
    session = await login(api, "john_doe", state.code())
    token = session.data["login"]["accessToken"]

    result = await api.execute(document, {"password": PASSWORD, "code": code}, token=token)

    assert_bad_input(result, "code")


async def test_well_formed_codes_in_any_spelling_still_work(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)

    spaced = state.code()[:3] + " " + state.code()[3:]
    assert not (await login(api, "john_doe", spaced)).errors
    recovery = state.recovery_codes[0].upper().replace("-", " ")
    assert not (await login(api, "john_doe", f"  {recovery} ")).errors
    wrong = await login(api, "john_doe", state.wrong_code())
    assert (wrong.code, wrong.error["extensions"].get("reason")) == ("UNAUTHENTICATED", "OTP_INVALID")


# The directory

LONGEST_FIRST, LONGEST_LAST = "F" * 49 + "é", "L" * 49 + "ß"  # 50 characters each, the most a name may have


async def test_a_search_longer_than_a_user_name_answers(api: Api) -> None:
    viewer = await api.register("viewer")

    result = await api.execute(COUNT, {"query": "Maximilian Montgomery-Smith"}, token=viewer.token)

    assert result.body == {"data": {"users": {"totalCount": 0, "edges": []}}}


async def test_a_long_full_name_is_found_by_all_of_it(api: Api) -> None:
    viewer = await api.register("viewer")
    await api.register("max", firstName="Maximilian", lastName="Montgomery-Smith")
    await api.register("longest", firstName=LONGEST_FIRST, lastName=LONGEST_LAST)

    for query in ("Maximilian Montgomery-Smith", "maximilian montgomery-smi", "Montgomery-Smith"):
        result = await api.execute(COUNT, {"query": query}, token=viewer.token)
        assert result.data == {"users": {"totalCount": 1, "edges": [{"node": {"userName": "max"}}]}}, result.body
    longest = f"{LONGEST_FIRST} {LONGEST_LAST}"  # 101 characters
    assert await names(api, DIRECTORY, viewer, query=longest) == ["longest"]
    assert await names(api, DIRECTORY, viewer, query=longest.upper()) == ["longest"]
    assert await names(api, DIRECTORY, viewer, query=LONGEST_LAST) == ["longest"]


@pytest.mark.parametrize("extra", [1, 200])
async def test_a_search_longer_than_any_name_is_an_empty_answer(api: Api, extra: int) -> None:
    viewer = await api.register("viewer")
    await api.register("longest", firstName=LONGEST_FIRST, lastName=LONGEST_LAST)

    query = f"{LONGEST_FIRST} {LONGEST_LAST}" + "x" * extra  # up to the query's 301 characters
    result = await api.execute(COUNT, {"query": query}, token=viewer.token)

    assert result.body == {"data": {"users": {"totalCount": 0, "edges": []}}}


async def test_an_admin_finds_a_long_email(api: Api) -> None:
    local = "maximilian.montgomery-smith"
    email = f"{local}@{'d' * 60}.example.com"
    longest_email = f"{'m' * 64}@{'a' * 63}.{'b' * 63}.{'c' * 57}.com"  # 254 characters
    assert len(longest_email) == 254
    await api.register("max", email=email)
    await api.register("longest", email=longest_email)
    root = await api.register("root")
    await registration.grant_admin("root")

    assert await names(api, DIRECTORY, root, query=email.upper()) == ["max"]
    assert await names(api, DIRECTORY, root, query=longest_email) == ["longest"]
    assert await names(api, DIRECTORY, root, query=longest_email + "x") == []
    result = await api.execute(COUNT, {"query": longest_email}, token=root.token)
    assert result.data["users"]["totalCount"] == 1, result.body
    # Not admins: an email is no name of anyone's.
    assert await names(api, DIRECTORY, await api.register("ann"), query=email) == []


@pytest.mark.parametrize("query", ["ann\ud800", "\ud800", "a\u0000b", "x" * 302])
async def test_a_search_of_no_text_is_bad_input(api: Api, query: str) -> None:
    viewer = await api.register("viewer")

    assert_bad_input(await api.execute(COUNT, {"query": query}, token=viewer.token), "query")
