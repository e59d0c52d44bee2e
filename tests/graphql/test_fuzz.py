"""Property-based tests (hypothesis) of every string argument: register and updateProfile in depth, the rest for codes.

Whatever a client sends, it gets HTTP 200 and either BAD_USER_INPUT/CONFLICT naming the field, or a
success whose stored value (read back with ``me``) is the documented normalisation of the input.
The oracle is README's Rules table, stated again here in a few small functions (``RULES``) and never
by calling services.accounts.validation, the code under test. Where a rule names a standard, the oracle asks
that standard's library: email syntax is email-validator's verdict, "a phone number at all" is
libphonenumber's.

Each example registers its own user (a counter makes the names unique), so examples do not depend on
one another; CONFLICT is accepted only for a value an earlier example of the same test stored.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from main import create_app
from services.accounts import registration
from settings import Settings
from tests.graphql.test_two_factor import enable
from tests.support import (
    DELETE_USER,
    LOGIN,
    LOGOUT,
    REFRESH,
    REGISTER,
    UPDATE_PROFILE,
    UPDATE_USER,
    USER,
    Account,
    Api,
    Result,
    replace,
)

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,  # write nothing into the work tree; a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ_TYPES = hypothesis_settings(FUZZ, max_examples=20)

FUZZ_PASSWORD = "fuzzing horse battery"
_names = itertools.count()

# The fields of the API, their model attribute and whether null is allowed.
REGISTER_FIELDS = {
    "userName": "user_name",
    "password": "password",
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "phoneNumber": "phone_number",
}
UPDATE_FIELDS = {
    "name": "name",
    "userName": "user_name",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phoneNumber": "phone_number",
    "bio": "bio",
    "profileImage": "profile_image",
    "website": "website",
    "gender": "gender",
}
PROFILE_FIELDS = {"website", "gender"}

# Strategies ----------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07\x08\x1b[31m",
    "\r\n",
    "line\nbreak",
    "\t",
    "\u202eevil\u202c",  # RTL override
    "abc\u202edef",
    "\u200b",  # zero-width space
    "ab\u200dcd",  # zero-width joiner
    "\ufeffbom",
    "\u00ad",  # soft hyphen
    "\ud800",  # lone surrogates, sent as \ud800 escapes
    "a\udfffb",
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "Robert'); DROP TABLE users;--",
    "%_\\",
    "😀",
    "👩\u200d💻",
    "🇺🇳",
    "e\u0301",
    "ß",
    "İ",
    "ﬁ",
    "\U0001d518\U0001d52b\U0001d526\U0001d520",  # mathematical Fraktur letters
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "null",
]
CHARACTERS = st.one_of(st.characters(), st.characters(categories=["Cs"]), st.sampled_from("\x00\u202e\u200b \t"))
# Up to 10,000 characters; emoji fewer, so the body (each one sent as two \u escapes) stays under
# the 100,000-byte limit that test_guards.py covers.
LONG = st.one_of(
    st.builds(lambda piece, count: piece * count, st.sampled_from(["x", " ", "\x00", "9"]), st.integers(1, 10_000)),
    st.builds(lambda piece, count: piece * count, st.sampled_from(["😀", "a ", "\u202e"]), st.integers(1, 5_000)),
)
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(CHARACTERS, max_size=12)), max_size=4).map("".join),
    LONG,
)


def spiced(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values, some with nasty text before, inside or after them."""
    return st.one_of(
        valid,
        st.tuples(valid, TEXT, st.integers(0, 2)).map(
            lambda parts: [parts[1] + parts[0], parts[0][:3] + parts[1] + parts[0][3:], parts[0] + parts[1]][parts[2]]
        ),
    )


USER_NAMES = st.from_regex(r"[A-Za-z0-9_.]{1,25}", fullmatch=True)
EMAILS = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._+-]{0,20}[A-Za-z0-9])?", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9]{1,15}", fullmatch=True),
    st.sampled_from(["com", "ORG", "Example", "de"]),
)
PHONES = st.builds(
    lambda first, rest, separator: "+" + first + separator.join(rest),
    st.sampled_from("123456789"),
    st.lists(st.from_regex(r"[0-9]{1,3}", fullmatch=True), min_size=1, max_size=4),
    st.sampled_from(["", " ", "-", ".", " (", ") "]),
)
URLS = st.builds(
    "{}://{}/{}".format,
    st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript"]),
    st.from_regex(r"[a-z0-9]{1,10}\.example", fullmatch=True),
    st.text(st.characters(codec="ascii"), max_size=10),
)
# Short ones around the minimum (8 characters) and long ones around the maximum (128 characters).
PASSWORDS = st.one_of(st.text(CHARACTERS, min_size=6, max_size=40), st.text(CHARACTERS, min_size=120, max_size=136))

VALUES = {
    "userName": spiced(USER_NAMES),
    "password": st.one_of(TEXT, PASSWORDS, spiced(st.just(FUZZ_PASSWORD))),
    "email": spiced(EMAILS),
    "firstName": spiced(st.sampled_from(["Ann", "José", "李", "O'Brien"])),
    "lastName": spiced(st.sampled_from(["Smith", "Nguyễn", "al-Hassan"])),
    "phoneNumber": spiced(PHONES),
    "name": spiced(st.sampled_from(["Ann Smith", "José María López", "Single"])),
    "bio": spiced(st.sampled_from(["Hello.", "Line one\r\nline two\n\tindented"])),
    "profileImage": spiced(URLS),
    "website": spiced(URLS),
    "gender": spiced(st.sampled_from(["female", "male", "non-binary"])),
}

WRONG_TYPES = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
)

# Helpers -------------------------------------------------------------------------------------


@pytest.fixture
async def fuzz_api(db: str, settings: Settings) -> AsyncIterator[Api]:
    """The test app without rate limits: an example registers a user, and there are hundreds."""
    app = create_app(replace(settings, rate_limit_enabled=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, backend=db)


def fresh_name() -> str:
    return f"fz{next(_names)}"


def as_sent(value: Any) -> Any:
    """The value as the server decodes it: a surrogate pair written as two escapes becomes one character."""
    return json.loads(json.dumps(value, ensure_ascii=True))


# The oracle: README's Rules table, one function per rule -------------------------------------------

USER_NAME = re.compile(r"[A-Za-z0-9_.]{1,25}")  # and at least one letter or digit
NAME_MAX, BIO_MAX, GENDER_MAX, URL_MAX, EMAIL_MAX = 50, 200, 20, 2048, 254
E164_MAX_DIGITS = 15
PHONE_SEPARATORS = "-.()"  # and white space
# The password's length rule, in one place: (shortest, longest, counted in).
PASSWORD_LENGTH = (8, 128, "characters")
PASSWORD_MEASURES: dict[str, Callable[[str], int]] = {
    "UTF-8 bytes": lambda p: len(p.encode("utf-8")),
    "characters": len,
}
COMMON_PASSWORDS = Path(__file__).resolve().parents[2] / "services" / "data" / "common-passwords.txt.gz"
JOINERS = {"\u200c", "\u200d"}  # invisible, but how Persian, Indic and emoji text is written
NULLABLE = {"email", "phoneNumber", "bio", "profileImage", "website", "gender"}


class Refused(Exception):
    """The rule refuses the value (BAD_USER_INPUT naming the field)."""


def unicode_text(value: str) -> str:
    try:
        value.encode("utf-8")  # a lone surrogate is no text at all
    except UnicodeEncodeError:
        raise Refused from None
    return value


def plain_text(value: str, max_length: int, *, line_breaks: bool = False) -> str:
    """Trimmed; no control, zero-width or bidi-override characters (line breaks and tabs where allowed)."""
    text = unicode_text(value).strip()
    if line_breaks:
        text = text.replace("\r\n", "\n")
    for ch in text:
        category = unicodedata.category(ch)
        if line_breaks and ch in "\n\t":
            continue
        if category == "Cc" or (category == "Cf" and ch not in JOINERS):
            raise Refused
    if len(text) > max_length:
        raise Refused
    return text


def user_name_rule(value: str, user_name: str) -> dict[str, Any]:
    if not USER_NAME.fullmatch(unicode_text(value)) or not any(ch.isalnum() for ch in value):
        raise Refused
    return {"user_name": value, "user_name_key": value.lower()}


def password_rule(value: str, user_name: str) -> dict[str, Any]:
    shortest, longest, unit = PASSWORD_LENGTH
    if not shortest <= PASSWORD_MEASURES[unit](unicode_text(value)) <= longest:
        raise Refused
    if value.lower() in common_passwords() or value.lower() == user_name.lower():
        raise Refused
    return {"password": value}


@cache
def common_passwords() -> frozenset[str]:
    """The list the rule names (services/data/), read as data."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def name_rule(value: str, user_name: str) -> dict[str, Any]:
    """At most 101 characters, split at the first space into firstName and lastName, each at most 50."""
    first, _, last = plain_text(value, 2 * NAME_MAX + 1).partition(" ")
    if len(first) > NAME_MAX or len(last.strip()) > NAME_MAX:
        raise Refused
    return {"first_name": first, "last_name": last.strip()}


def email_rule(value: str, user_name: str) -> dict[str, Any]:
    text = unicode_text(value).strip()
    if len(text) > EMAIL_MAX:
        raise Refused
    try:
        email = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Refused from None
    return {"email": email, "email_key": email.lower()}


def phone_rule(value: str, user_name: str) -> dict[str, Any]:
    """ "+", then ASCII digits with spaces, dashes, dots or parentheses; a number to libphonenumber; E.164."""
    text = unicode_text(value).strip()
    if not text.startswith("+") or not all(
        ch in "0123456789" or ch in PHONE_SEPARATORS or ch.isspace() for ch in text[1:]
    ):
        raise Refused
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise Refused from None
    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(phone) - 1 > E164_MAX_DIGITS:
        raise Refused
    return {"phone_number": phone}


def url_rule(column: str) -> Callable[[str, str], dict[str, Any]]:
    def rule(value: str, user_name: str) -> dict[str, Any]:
        """http:// or https:// with a host, at most 2048 characters, no white space, control characters or
        user:password@."""
        url = unicode_text(value).strip()
        if len(url) > URL_MAX or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
            raise Refused
        try:
            parts = urlsplit(url)
            scheme, host, _ = parts.scheme.lower(), parts.hostname, parts.port
        except ValueError:
            raise Refused from None
        if scheme not in ("http", "https") or not host or parts.username is not None or parts.password is not None:
            raise Refused
        return {column: url}

    return rule


def text_rule(column: str, max_length: int, *, line_breaks: bool = False) -> Callable[[str, str], dict[str, Any]]:
    return lambda value, user_name: {column: plain_text(value, max_length, line_breaks=line_breaks)}


RULES: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "userName": user_name_rule,
    "password": password_rule,
    "name": name_rule,
    "firstName": text_rule("first_name", NAME_MAX),
    "lastName": text_rule("last_name", NAME_MAX),
    "email": email_rule,
    "phoneNumber": phone_rule,
    "bio": text_rule("bio", BIO_MAX, line_breaks=True),
    "profileImage": url_rule("profile_image"),
    "website": url_rule("website"),
    "gender": text_rule("gender", GENDER_MAX),
}


def verdict(field: str, value: object, *, user_name: str) -> dict[str, Any] | None:
    """What the rules make of one field: the columns to store, or None when it is refused."""
    if value is None:
        key = {"email": "email_key"}.get(field)
        return {UPDATE_FIELDS[field]: None, **({key: None} if key else {})} if field in NULLABLE else None
    assert isinstance(value, str)
    try:
        return RULES[field](value, user_name)
    except Refused:
        return None


def stored(me: dict[str, Any], attribute: str) -> Any:
    camel = re.sub(r"_(.)", lambda m: m.group(1).upper(), attribute)
    return me["profile"][camel] if camel in PROFILE_FIELDS else me[camel]


def independent_checks(field: str, value: str, me: dict[str, Any]) -> None:
    """The documented normalisation, stated without services.accounts.validation."""
    if field == "userName":
        assert me["userName"] == value
    elif field in ("firstName", "lastName", "gender"):
        assert stored(me, REGISTER_FIELDS.get(field, field)) == value.strip()
    elif field == "name":
        first, _, last = value.strip().partition(" ")
        assert (me["firstName"], me["lastName"]) == (first, last.strip())
    elif field == "bio":
        assert me["bio"] == value.strip().replace("\r\n", "\n")
    elif field in ("profileImage", "website"):
        url = stored(me, "profile_image" if field == "profileImage" else "website")
        assert url == value.strip()
        assert urlsplit(url).scheme.lower() in ("http", "https")
    elif field == "email":
        email = me["email"]
        local, _, domain = email.rpartition("@")
        assert domain == domain.lower()
        assert validate_email(email, check_deliverability=False).normalized == email  # valid, and stays as is
        if value.strip().isascii():
            sent_local, _, sent_domain = value.strip().rpartition("@")
            assert (local, domain) == (sent_local, sent_domain.lower())
    elif field == "phoneNumber":
        phone = me["phoneNumber"]
        assert re.fullmatch(r"\+[1-9][0-9]{1,14}", phone, flags=re.ASCII)
        # E.164 as libphonenumber writes it: separators gone, a national trunk "0" after the code dropped.
        assert phone == phonenumbers.format_number(
            phonenumbers.parse(value.strip(), None), phonenumbers.PhoneNumberFormat.E164
        )


def assert_refused(result: Result, code: str, field: str | None) -> None:
    """One error with this code naming this field (None: a GraphQL coercion error, which names none)."""
    assert result.status == 200
    assert result.data is None, result.body
    assert result.code == code, result.body
    if field is not None:
        assert result.field == field, result.body


# register ------------------------------------------------------------------------------------


@pytest.fixture
def taken() -> set[tuple[str, object]]:
    """Unique values stored by earlier examples of one test (hypothesis reuses the fixture, as the database)."""
    return set()


def _unique_key(field: str, columns: dict[str, Any]) -> tuple[str, object] | None:
    """The unique column a value lands in, as compared; None for a field that is not unique."""
    key_column = {"userName": "user_name_key", "email": "email_key", "phoneNumber": "phone_number"}.get(field)
    if key_column is None or columns.get(key_column) is None:
        return None
    return (field, columns[key_column])


@pytest.mark.parametrize("field", list(REGISTER_FIELDS))
@FUZZ
@given(data=st.data())
async def test_register_fuzzed_field(fuzz_api: Api, taken: set[tuple[str, object]], field: str, data: Any) -> None:
    value = data.draw(VALUES[field], label=field)
    user_name = value if field == "userName" else fresh_name()
    variables = {"userName": user_name, "password": FUZZ_PASSWORD, field: value}
    decoded = as_sent(value)
    expected = verdict(field, decoded, user_name=as_sent(user_name))

    result = await fuzz_api.execute(REGISTER, {"input": variables})

    if expected is None:
        assert_refused(result, "BAD_USER_INPUT", field)
        return
    key = _unique_key(field, expected)
    if result.errors and key is not None and key in taken:
        assert_refused(result, "CONFLICT", field)
        return
    assert not result.errors, result.body
    if key is not None:
        taken.add(key)
    token = result.data["register"]["accessToken"]
    me = (await fuzz_api.me(token)).data["me"]
    if field == "password":
        login = await fuzz_api.login(me["userName"], decoded)
        assert login.data["login"]["user"]["userName"] == me["userName"], login.body
        return
    attribute = REGISTER_FIELDS[field]
    assert stored(me, attribute) == expected[attribute]
    independent_checks(field, decoded, me)


@pytest.mark.parametrize("field", list(REGISTER_FIELDS))
@FUZZ_TYPES
@given(value=WRONG_TYPES)
async def test_register_wrong_scalar_types_are_bad_user_input(fuzz_api: Api, field: str, value: object) -> None:
    variables = {"userName": fresh_name(), "password": FUZZ_PASSWORD, field: value}

    result = await fuzz_api.execute(REGISTER, {"input": variables})

    assert result.status == 200
    assert result.data is None
    assert {error["extensions"]["code"] for error in result.errors} == {"BAD_USER_INPUT"}


@pytest.mark.parametrize("field", list(REGISTER_FIELDS))
async def test_register_null_is_refused_only_for_required_fields(fuzz_api: Api, field: str) -> None:
    user_name = fresh_name()
    variables = {"userName": user_name, "password": FUZZ_PASSWORD, field: None}

    result = await fuzz_api.execute(REGISTER, {"input": variables})

    if field in ("userName", "password"):
        assert_refused(result, "BAD_USER_INPUT", None)  # String! refuses null before any resolver
    else:
        assert not result.errors, result.body
        me = result.data["register"]["user"]
        assert me["userName"] == user_name
        assert stored(me, REGISTER_FIELDS[field]) == ("" if field in ("firstName", "lastName") else None)


@FUZZ_TYPES
@given(value=st.one_of(WRONG_TYPES, st.none(), st.text(max_size=5)))
async def test_register_input_of_the_wrong_type_is_bad_user_input(fuzz_api: Api, value: object) -> None:
    result = await fuzz_api.execute(REGISTER, {"input": value})

    assert result.status == 200
    assert result.data is None
    assert {error["extensions"]["code"] for error in result.errors} == {"BAD_USER_INPUT"}


# updateProfile -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", list(UPDATE_FIELDS))
@FUZZ
@given(data=st.data())
async def test_update_profile_fuzzed_field(
    fuzz_api: Api, taken: set[tuple[str, object]], field: str, data: Any
) -> None:
    value = data.draw(st.one_of(VALUES[field], st.none()), label=field)
    account = await fuzz_api.register(fresh_name(), password=FUZZ_PASSWORD)
    taken.add(("userName", account.name.casefold()))
    decoded = as_sent(value)
    expected = verdict(field, decoded, user_name=account.name)

    result = await fuzz_api.execute(UPDATE_PROFILE, {"input": {field: value}}, token=account.token)

    me = (await fuzz_api.me(account.token)).data["me"]
    if expected is None:
        assert_refused(result, "BAD_USER_INPUT", field)
        assert me == account.user  # nothing written
        return
    key = _unique_key(field, expected)
    if result.errors and key is not None and key in taken:
        assert_refused(result, "CONFLICT", field)
        assert me == account.user
        return
    assert not result.errors, result.body
    assert result.data["updateProfile"] == me
    if key is not None:
        taken.add(key)
    for attribute, value_stored in expected.items():
        if not attribute.endswith("_key"):
            assert stored(me, attribute) == value_stored, attribute
    if decoded is not None:
        independent_checks(field, decoded, me)


@pytest.fixture
async def bystander(fuzz_api: Api) -> Account:
    """One user for examples that must change nothing (each checks that nothing changed)."""
    return await fuzz_api.register(fresh_name(), password=FUZZ_PASSWORD)


@pytest.mark.parametrize("field", list(UPDATE_FIELDS))
@FUZZ_TYPES
@given(value=WRONG_TYPES)
async def test_update_profile_wrong_scalar_types_are_bad_user_input(
    fuzz_api: Api, bystander: Account, field: str, value: object
) -> None:
    result = await fuzz_api.execute(UPDATE_PROFILE, {"input": {field: value}}, token=bystander.token)

    assert result.status == 200
    assert result.data is None
    assert {error["extensions"]["code"] for error in result.errors} == {"BAD_USER_INPUT"}
    assert (await fuzz_api.me(bystander.token)).data["me"] == bystander.user


# every other string argument -----------------------------------------------------------------

LOGIN_WITH_OTP = """
mutation($userName: String!, $password: String!, $otp: String) {
  login(userName: $userName, password: $password, otp: $otp) { accessToken }
}"""
VERIFY_EMAIL = "mutation($token: String!) { verifyEmail(token: $token) { __typename } }"
RESET_PASSWORD = (
    "mutation($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }"
)
REQUEST_RESET = "mutation($email: String!) { requestPasswordReset(email: $email) }"
DEACTIVATE = "mutation($password: String!) { deactivateAccount(password: $password) }"
BEGIN_SETUP = "mutation($password: String!) { beginTwoFactorSetup(password: $password) { secret } }"
REVOKE_SESSION = "mutation($id: ID!) { revokeSession(id: $id) }"
SEARCH = "query($q: String!) { users(query: $q) { totalCount edges { node { userName } } } }"

# argument -> (document, variables for a value, the codes a client may get besides success).
ARGUMENTS: dict[str, tuple[str, Any, set[str]]] = {
    "login.userName": (
        LOGIN,
        lambda v: {"userName": v, "password": FUZZ_PASSWORD},
        {"UNAUTHENTICATED", "BAD_USER_INPUT"},
    ),
    "login.password": (
        LOGIN,
        lambda v: {"userName": "fuzz_owner", "password": v},
        {"UNAUTHENTICATED", "BAD_USER_INPUT"},
    ),
    "user.userName": (USER, lambda v: {"userName": v}, {"BAD_USER_INPUT"}),
    "updateUser.userName": (
        UPDATE_USER,
        lambda v: {"userName": v, "input": {"bio": "fuzzed"}},
        {"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN"},
    ),
    "deleteUser.userName": (DELETE_USER, lambda v: {"userName": v}, {"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN"}),
    # Text that is no refresh token is refused like an unknown one; text that is no text (a lone surrogate) is input.
    "refreshToken.refreshToken": (REFRESH, lambda v: {"refreshToken": v}, {"UNAUTHENTICATED", "BAD_USER_INPUT"}),
    "logout.refreshToken": (LOGOUT, lambda v: {"refreshToken": v}, {"UNAUTHENTICATED", "BAD_USER_INPUT"}),
    "login.otp": (
        LOGIN_WITH_OTP,
        lambda v: {"userName": "fuzz_owner", "password": FUZZ_PASSWORD, "otp": v},
        {"UNAUTHENTICATED", "BAD_USER_INPUT"},
    ),
    "verifyEmail.token": (VERIFY_EMAIL, lambda v: {"token": v}, {"BAD_USER_INPUT"}),
    "resetPassword.token": (
        RESET_PASSWORD,
        lambda v: {"token": v, "newPassword": "a new fuzzing password"},
        {"BAD_USER_INPUT"},
    ),
    "resetPassword.newPassword": (RESET_PASSWORD, lambda v: {"token": "x" * 43, "newPassword": v}, {"BAD_USER_INPUT"}),
    "requestPasswordReset.email": (REQUEST_RESET, lambda v: {"email": v}, {"BAD_USER_INPUT"}),
    "deactivateAccount.password": (DEACTIVATE, lambda v: {"password": v}, {"BAD_USER_INPUT"}),
    "beginTwoFactorSetup.password": (BEGIN_SETUP, lambda v: {"password": v}, {"BAD_USER_INPUT"}),
    "revokeSession.id": (REVOKE_SESSION, lambda v: {"id": v}, {"BAD_USER_INPUT", "NOT_FOUND"}),
    "users.query": (SEARCH, lambda v: {"q": v}, {"BAD_USER_INPUT"}),
}


@pytest.mark.parametrize("argument", list(ARGUMENTS))
@FUZZ
@given(value=TEXT)
async def test_every_other_string_argument_is_answered_with_a_code(fuzz_api: Api, argument: str, value: str) -> None:
    document, variables, codes = ARGUMENTS[argument]
    # A fresh owner per example: a fuzzed deleteUser may hit its own name and succeed.
    owner = await fuzz_api.register(fresh_name(), FUZZ_PASSWORD)

    result = await fuzz_api.execute(document, variables(value), token=owner.token)

    assert result.status == 200, result.body
    assert {error["extensions"]["code"] for error in result.errors} <= codes, result.body


# cursors, session ids, one-time codes and directory searches -----------------------------------------
# The rules, as the API states them: a list's after is a cursor that list handed out (base64url of the JSON
# [list tag, position]; a position is a row id, 1 to 2^63 - 1, or for the directory a userName key, at most
# 25 printable characters); a session id is 32 hexadecimal digits; a one-time code is 6 ASCII digits or a
# recovery code (16 of a-z and 2-7), with spaces or dashes, in any case; a search is 1 to 301 characters of
# plain text. Whatever is sent, the answer is a success or BAD_USER_INPUT naming the argument.

PAGE_OF = "totalCount edges { cursor }"
CURSOR_LISTS: dict[str, tuple[str, str]] = {
    "followers": ("followers", f"query($a: String) {{ me {{ followers(after: $a) {{ {PAGE_OF} }} }} }}"),
    "following": ("following", f"query($a: String) {{ me {{ following(after: $a) {{ {PAGE_OF} }} }} }}"),
    "followRequests": ("requests", f"query($a: String) {{ followRequests(after: $a) {{ {PAGE_OF} }} }}"),
    "blockedUsers": ("blocked", f"query($a: String) {{ blockedUsers(after: $a) {{ {PAGE_OF} }} }}"),
    "securityEvents": ("securityEvents", "query($a: String) { securityEvents(after: $a) { edges { cursor } } }"),
    "users": ("users", f'query($a: String) {{ users(query: "fz", after: $a) {{ {PAGE_OF} }} }}'),
}
INT64_MAX = 2**63 - 1
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**100),
        st.sampled_from([0, 1, INT64_MAX, INT64_MAX + 1, -(2**63), 10**29]),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=2)),
    max_leaves=5,
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_strategy(tag: str) -> st.SearchStrategy[str]:
    """Cursors of every shape: the list's tag or another with any JSON position, any JSON, deep nesting,
    bytes that are no UTF-8, text that is no base64."""
    tags = st.sampled_from([tag, tag.upper(), "followers", "users", "requests", ""])
    shaped = st.tuples(st.one_of(st.just(tag), tags), JSON_VALUES).map(lambda pair: [pair[0], pair[1]])
    return st.one_of(
        shaped.map(lambda value: b64(json.dumps(value, separators=(",", ":")).encode())),
        JSON_VALUES.map(lambda value: b64(json.dumps(value).encode())),
        st.integers(1, 20_000).map(lambda depth: b64(b"[" * depth + b"]" * depth)),
        st.binary(max_size=40).map(b64),
        TEXT.filter(lambda text: len(json.dumps(text)) < 90_000),
    ).filter(lambda cursor: len(json.dumps(cursor)) < 90_000)  # the request stays under the 100 KB body cap


def cursor_position(cursor: str, tag: str) -> object:
    """What a cursor holds by the rule; ``Refused`` when it is none of this list's."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (ValueError, RecursionError):
        raise Refused from None
    if not (isinstance(value, list) and len(value) == 2 and value[0] == tag):
        raise Refused
    position = value[1]
    if tag == "users":
        if type(position) is str and len(position) <= 25 and position.isprintable():
            return position
    elif type(position) is int and 1 <= position <= INT64_MAX:
        return position
    raise Refused


@pytest.mark.parametrize("name", list(CURSOR_LISTS))
@FUZZ
@given(data=st.data())
async def test_any_cursor_is_a_page_or_bad_input(fuzz_api: Api, bystander: Account, name: str, data: Any) -> None:
    tag, document = CURSOR_LISTS[name]
    cursor = data.draw(cursor_strategy(tag), label="after")
    try:
        cursor_position(as_sent(cursor), tag)
        valid = True
    except Refused:
        valid = False

    result = await fuzz_api.execute(document, {"a": cursor}, token=bystander.token)

    assert result.status == 200, result.body
    if valid:
        assert not result.errors, result.body
    else:  # on a field of me (followers, following) the error is that field's, and me is null
        assert (result.code, result.field) == ("BAD_USER_INPUT", "after"), result.body


HEX = "0123456789abcdefABCDEF"


@FUZZ
@given(session_id=st.one_of(TEXT, st.text(st.sampled_from(HEX + "g \x00"), min_size=30, max_size=34)))
async def test_any_session_id_is_not_found_or_bad_input(fuzz_api: Api, bystander: Account, session_id: str) -> None:
    decoded = as_sent(session_id)
    well_formed = len(decoded) == 32 and all(ch in HEX for ch in decoded)

    result = await fuzz_api.execute(REVOKE_SESSION, {"id": session_id}, token=bystander.token)

    assert_refused(result, "NOT_FOUND" if well_formed else "BAD_USER_INPUT", "id")


RECOVERY_LETTERS = "abcdefghijklmnopqrstuvwxyz234567"
CODES = st.one_of(
    TEXT,
    st.text(st.characters(categories=["Nd"]), min_size=6, max_size=6),  # digits of every script
    st.text(st.sampled_from("0123456789 -"), min_size=5, max_size=9),
    st.text(
        st.sampled_from(RECOVERY_LETTERS + RECOVERY_LETTERS.upper() + "0189- \u212a\u0131"), min_size=15, max_size=20
    ),
)


def code_kind(value: str) -> str | None:
    """ "totp" or "recovery" for a well-formed code by the rule, None for anything else."""
    text = unicode_text(value).strip()
    compact = text.replace(" ", "").replace("-", "")
    if len(text) > 64 or not text.isascii():
        return None
    if len(compact) == 6 and all(ch in "0123456789" for ch in compact):
        return "totp"
    if len(compact) == 16 and all(ch in RECOVERY_LETTERS for ch in compact.lower()):
        return "recovery"
    return None


def well_formed_code(value: str) -> str | None:
    try:
        return code_kind(value)
    except Refused:
        return None


@pytest.fixture
async def two_factor_account(fuzz_api: Api) -> Account:
    """A user with two-factor sign-in on (its token stays live: confirming keeps the caller's session)."""
    account = await fuzz_api.register(fresh_name(), password=FUZZ_PASSWORD)
    await enable(fuzz_api, account)
    return account


LOGIN_OTP = """
mutation($u: String!, $p: String!, $otp: String) { login(userName: $u, password: $p, otp: $otp) { accessToken } }
"""


@FUZZ
@given(code=CODES)
async def test_any_otp_at_login_is_bad_input_or_a_wrong_code(
    fuzz_api: Api, two_factor_account: Account, code: str
) -> None:
    account = two_factor_account
    kind = well_formed_code(as_sent(code))

    result = await fuzz_api.execute(LOGIN_OTP, {"u": account.name, "p": FUZZ_PASSWORD, "otp": code})

    if kind is None and as_sent(code).strip():
        assert_refused(result, "BAD_USER_INPUT", "otp")
    else:  # a code of the right shape that is wrong (no example guesses the current one), or none at all
        assert_refused(result, "UNAUTHENTICATED", None)
        assert result.error["extensions"]["reason"] in {"OTP_INVALID", "OTP_REQUIRED"}


@pytest.mark.parametrize("mutation", ["disableTwoFactor", "regenerateRecoveryCodes"])
@FUZZ
@given(code=CODES)
async def test_any_code_with_the_password_is_bad_input(
    fuzz_api: Api, two_factor_account: Account, mutation: str, code: str
) -> None:
    account = two_factor_account
    document = f"mutation($p: String!, $c: String!) {{ {mutation}(password: $p, code: $c) }}"

    result = await fuzz_api.execute(document, {"p": FUZZ_PASSWORD, "c": code}, token=account.token)

    assert_refused(result, "BAD_USER_INPUT", "code")  # malformed, or wrong: no example guesses a right one


@FUZZ
@given(code=CODES)
async def test_any_code_confirming_a_setup_is_bad_input(fuzz_api: Api, bystander: Account, code: str) -> None:
    begun = await fuzz_api.execute(
        "mutation($p: String!) { beginTwoFactorSetup(password: $p) { secret } }",
        {"p": FUZZ_PASSWORD},
        token=bystander.token,
    )
    assert not begun.errors, begun.body

    result = await fuzz_api.execute(
        "mutation($c: String!) { confirmTwoFactor(code: $c) }", {"c": code}, token=bystander.token
    )

    assert_refused(result, "BAD_USER_INPUT", "code")


QUERY_MAX = 301
SEARCHES = st.one_of(
    TEXT,
    st.text(CHARACTERS, min_size=20, max_size=320),
    st.builds(
        lambda first, last, extra: f"{first} {last}{extra}",
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=50),
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=50),
        st.sampled_from(["", "x", "ß" * 100]),
    ),
    st.builds("{}@{}.example.com".format, st.text("abc.", min_size=20, max_size=64), st.text("xyz", max_size=63)),
)


@pytest.mark.parametrize("admin", [False, True], ids=["user", "admin"])
@FUZZ
@given(query=SEARCHES)
async def test_any_search_is_an_answer_or_bad_input(fuzz_api: Api, bystander: Account, admin: bool, query: str) -> None:
    if admin:
        await registration.grant_admin(bystander.name)
    try:
        valid = bool(plain_text(as_sent(query), QUERY_MAX))
    except Refused:
        valid = False

    result = await fuzz_api.execute(SEARCH, {"q": query}, token=bystander.token)

    if valid:
        assert result.status == 200 and not result.errors, result.body
    else:
        assert_refused(result, "BAD_USER_INPUT", "query")
