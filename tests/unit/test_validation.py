"""The input rules of services.accounts.validation: what each accepts, how it normalises, what it rejects and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from graphql import GraphQLInputObjectType

from models.user import BIO_MAX, EMAIL_MAX, NAME_MAX, URL_MAX, USER_NAME_MAX
from schema.build import build_schema
from schema.core import core_schema
from services.accounts.registration import REGISTER_ORDER
from services.accounts.validation import (
    FIELD_RULES,
    UPDATE_ORDER,
    CleanFields,
    check_password_size,
    clean_bool,
    clean_email,
    clean_fields,
    clean_new_password,
    clean_phone,
    clean_text,
    clean_url,
    clean_user_name,
    email_key,
    user_name_key,
)
from services.errors import Conflict, InvalidFields, InvalidInput, TakenFields, raise_together
from settings import Settings

LONE_SURROGATE = "\ud800"


def rejected(rule: Callable[[], object], field: str) -> InvalidInput:
    """Run ``rule``; it must raise InvalidInput (BAD_USER_INPUT) naming ``field``."""
    with pytest.raises(InvalidInput) as caught:
        rule()
    error = caught.value
    assert type(error) is InvalidInput
    assert error.code == "BAD_USER_INPUT"
    assert error.field == field
    assert error.message
    return error


def long_email(length: int) -> str:
    """A syntactically valid address of exactly ``length`` characters (64-char local part, 63-char labels)."""
    local = "a" * 64
    domain_length = length - len(local) - 1
    labels: list[str] = []
    remaining = domain_length - len(".com")
    while remaining > 0:
        label = min(63, remaining)
        if remaining - label == 1:  # never leave room for an empty label
            label -= 1
        labels.append("b" * label)
        remaining -= label + 1
    address = f"{local}@{'.'.join(labels)}.com"
    assert len(address) == length
    return address


# --- user names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a", id="one-char"),
        pytest.param("Ann_Lee.42", id="letters-digits-underscore-dot"),
        pytest.param("ABCxyz", id="mixed-case-kept"),
        pytest.param("x" * USER_NAME_MAX, id="max-length"),
        pytest.param("._a", id="punctuation-and-a-letter"),
    ],
)
def test_clean_user_name_accepts_and_returns_unchanged(name: str) -> None:
    assert clean_user_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * (USER_NAME_MAX + 1), id="26-chars"),
        pytest.param("ann lee", id="space"),
        pytest.param(" ann", id="leading-space-not-trimmed"),
        pytest.param("ann@home", id="at-sign"),
        pytest.param("ann-lee", id="dash"),
        pytest.param("jöhn", id="non-ascii-letter"),
        pytest.param("ann\n", id="trailing-newline"),
        pytest.param("\uff41nn", id="fullwidth-letter"),
        pytest.param("١٢٣", id="non-ascii-digits"),
        pytest.param("ann" + LONE_SURROGATE, id="lone-surrogate"),
        pytest.param(42, id="not-a-string"),
        pytest.param(None, id="none"),
        pytest.param(".", id="a-dot"),
        pytest.param("_..", id="only-punctuation"),
    ],
)
def test_clean_user_name_rejects(name: object) -> None:
    rejected(lambda: clean_user_name(name), "userName")


def test_clean_user_name_reports_the_given_field() -> None:
    rejected(lambda: clean_user_name("no way", "newUserName"), "newUserName")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("Ann", "ann", id="capitalised"),
        pytest.param("ANN_LEE.1", "ann_lee.1", id="upper"),
        pytest.param("ann", "ann", id="already-folded"),
    ],
)
def test_user_name_key_case_folds(name: str, key: str) -> None:
    assert user_name_key(name) == key


def test_user_names_differing_only_in_case_share_a_key() -> None:
    assert user_name_key("AnnLee") == user_name_key("annlee") == user_name_key("ANNLEE")


# --- emails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("ann@example.com", "ann@example.com", id="plain"),
        pytest.param("Ann.Lee@EXAMPLE.Com", "Ann.Lee@example.com", id="domain-lowered-local-kept"),
        pytest.param("  ann@example.com \n", "ann@example.com", id="trimmed"),
        pytest.param("ann+tag@sub.example.org", "ann+tag@sub.example.org", id="plus-tag"),
    ],
)
def test_clean_email_normalises(raw: str, stored: str) -> None:
    assert clean_email(raw) == stored


def test_clean_email_accepts_the_maximum_length() -> None:
    address = long_email(EMAIL_MAX)
    assert clean_email(address) == address


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("ann.example.com", id="no-at"),
        pytest.param("ann@", id="no-domain"),
        pytest.param("@example.com", id="no-local-part"),
        pytest.param("ann@@example.com", id="double-at"),
        pytest.param("ann lee@example.com", id="space-in-local-part"),
        pytest.param("Ann <ann@example.com>", id="display-name"),
        pytest.param("ann@example.com" + LONE_SURROGATE, id="lone-surrogate-suffix"),
        pytest.param(LONE_SURROGATE, id="lone-surrogate"),
        pytest.param(["ann@example.com"], id="not-a-string"),
    ],
)
def test_clean_email_rejects(raw: object) -> None:
    rejected(lambda: clean_email(raw), "email")


def test_clean_email_rejects_more_than_254_characters() -> None:
    error = rejected(lambda: clean_email(long_email(EMAIL_MAX + 1)), "email")
    assert str(EMAIL_MAX) in error.message


def test_clean_email_measures_length_after_trimming() -> None:
    address = long_email(EMAIL_MAX)
    assert clean_email(f"  {address}  ") == address


@pytest.mark.parametrize(
    ("email", "key"),
    [
        pytest.param("Ann.Lee@example.com", "ann.lee@example.com", id="local-part-folded"),
        pytest.param("ann@example.com", "ann@example.com", id="already-folded"),
    ],
)
def test_email_key_lowers_the_whole_address(email: str, key: str) -> None:
    assert email_key(email) == key


def test_email_key_keeps_distinct_mailboxes_apart() -> None:
    assert email_key("straße@example.com") != email_key("strasse@example.com")


def test_emails_differing_only_in_case_share_a_key() -> None:
    assert email_key(clean_email("ANN@Example.com")) == email_key(clean_email("ann@EXAMPLE.COM"))


# --- phone numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("+1234567890", "+1234567890", id="e164"),
        pytest.param("+1 (234) 567-890", "+1234567890", id="spaces-dashes-parentheses"),
        pytest.param(" +44 20 7946 0958 ", "+442079460958", id="outer-spaces"),
        pytest.param("+123456789012345", "+123456789012345", id="15-digits"),
        pytest.param("+1 650-253-0000", "+16502530000", id="assigned-us-number"),
        pytest.param("+1 (555) 010-9999", "+15550109999", id="possible-but-unassigned"),
        pytest.param("+44 (0)20 7946 0958", "+442079460958", id="national-trunk-zero"),
    ],
)
def test_clean_phone_normalises(raw: str, stored: str) -> None:
    assert clean_phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("1234567890", id="missing-plus"),
        pytest.param("+12345abc90", id="letters"),
        pytest.param("+1234567890123456", id="16-digits"),
        pytest.param("+0123456789", id="leading-zero"),
        pytest.param("+1", id="one-digit"),
        pytest.param("+12", id="country-code-and-one-digit"),
        pytest.param("+999 123", id="unknown-country-code"),
        pytest.param("+1 650 253 0000 ext 12", id="extension"),
        pytest.param("+1-800-FLOWERS", id="vanity-letters"),
        pytest.param("++1234567890", id="double-plus"),
        pytest.param("+" + "".join(chr(0xFF10 + int(d)) for d in "1234567890"), id="fullwidth-digits"),
        pytest.param("+1234567890" + LONE_SURROGATE, id="lone-surrogate"),
        pytest.param(1234567890, id="not-a-string"),
    ],
)
def test_clean_phone_rejects(raw: object) -> None:
    rejected(lambda: clean_phone(raw), "phoneNumber")


# --- URLs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("http://example.com", "http://example.com", id="http"),
        pytest.param("https://example.com/a/b?c=d#e", "https://example.com/a/b?c=d#e", id="https-full"),
        pytest.param("HTTPS://Example.com", "HTTPS://Example.com", id="upper-case-scheme-kept"),
        pytest.param("  https://example.com  ", "https://example.com", id="trimmed"),
        pytest.param("https://[::1]:8443/", "https://[::1]:8443/", id="ipv6-host"),
    ],
)
def test_clean_url_accepts(raw: str, stored: str) -> None:
    assert clean_url(raw, "website") == stored


def test_clean_url_accepts_the_maximum_length() -> None:
    prefix = "https://example.com/"
    url = prefix + "a" * (URL_MAX - len(prefix))
    assert clean_url(url, "website") == url


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("ftp://example.com/file", id="ftp"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("data:text/html,<b>hi</b>", id="data"),
        pytest.param("https://", id="no-host"),
        pytest.param("http://:80", id="port-only"),
        pytest.param("//example.com", id="scheme-relative"),
        pytest.param("example.com", id="no-scheme"),
        pytest.param("http://exa mple.com", id="space"),
        pytest.param("http://exa\tmple.com", id="tab"),
        pytest.param("http://example.com/\x00", id="nul"),
        pytest.param("http://[", id="malformed-ipv6"),
        pytest.param("http://example.com:99999", id="port-out-of-range"),
        pytest.param("https://user:pw@example.com", id="credentials"),
        pytest.param("https://user@example.com", id="user-name"),
        pytest.param("https://example.com/" + LONE_SURROGATE, id="lone-surrogate"),
        pytest.param(None, id="none"),
    ],
)
def test_clean_url_rejects(raw: object) -> None:
    rejected(lambda: clean_url(raw, "website"), "website")


def test_clean_url_rejects_more_than_2048_characters() -> None:
    prefix = "https://example.com/"
    error = rejected(lambda: clean_url(prefix + "a" * (URL_MAX + 1 - len(prefix)), "profileImage"), "profileImage")
    assert str(URL_MAX) in error.message


# --- free text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("Ann", "Ann", id="plain"),
        pytest.param("  Ann Lee \t\n", "Ann Lee", id="trimmed"),
        pytest.param("Zoë 李", "Zoë 李", id="non-ascii"),
        pytest.param("", "", id="empty"),
    ],
)
def test_clean_text_trims(raw: str, stored: str) -> None:
    assert clean_text(raw, field="firstName", max_length=NAME_MAX) == stored


@pytest.mark.parametrize("multiline", [False, True], ids=["single-line", "multiline"])
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a\x00b", id="nul"),
        pytest.param("a\x07b", id="bell"),
        pytest.param("a\x1bb", id="escape"),
        pytest.param("a\x7fb", id="delete"),
        pytest.param("a\x85b", id="c1-next-line"),
        pytest.param("abc\u202edcba", id="rtl-override"),
        pytest.param("a\u200bb", id="zero-width-space"),
        pytest.param("a\u061cb", id="arabic-letter-mark"),
        pytest.param("a\u00adb", id="soft-hyphen"),
        pytest.param("a\u2060b", id="word-joiner"),
        pytest.param("a\U000e0041b", id="tag-character"),
        pytest.param("a\u200fb", id="rtl-mark"),
        pytest.param("a\u2066b", id="ltr-isolate"),
        pytest.param("a\ufeffb", id="bom"),
        pytest.param("a" + LONE_SURROGATE, id="lone-surrogate"),
    ],
)
def test_clean_text_rejects_control_and_invisible_characters(raw: str, multiline: bool) -> None:
    rejected(lambda: clean_text(raw, field="bio", max_length=BIO_MAX, multiline=multiline), "bio")


@pytest.mark.parametrize("raw", [pytest.param("a\nb", id="newline"), pytest.param("a\tb", id="tab")])
def test_clean_text_rejects_line_breaks_and_tabs_unless_multiline(raw: str) -> None:
    rejected(lambda: clean_text(raw, field="firstName", max_length=NAME_MAX), "firstName")


@pytest.mark.parametrize("raw", [pytest.param("a\nb", id="newline"), pytest.param("a\tb", id="tab")])
def test_clean_text_allows_line_breaks_and_tabs_when_multiline(raw: str) -> None:
    assert clean_text(raw, field="bio", max_length=BIO_MAX, multiline=True) == raw


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("I \U0001f469\u200d\U0001f4bb code", id="emoji-zero-width-joiner"),
        pytest.param("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", id="persian-zero-width-non-joiner"),
    ],
)
def test_clean_text_keeps_joiners_that_scripts_and_emoji_need(raw: str) -> None:
    assert clean_text(raw, field="bio", max_length=BIO_MAX, multiline=True) == raw
    assert clean_text(raw, field="firstName", max_length=NAME_MAX) == raw


def test_clean_text_turns_windows_line_endings_into_newlines_when_multiline() -> None:
    assert clean_text("a\r\nb", field="bio", max_length=BIO_MAX, multiline=True) == "a\nb"


def test_clean_text_accepts_exactly_max_length() -> None:
    assert clean_text("é" * NAME_MAX, field="firstName", max_length=NAME_MAX) == "é" * NAME_MAX


def test_clean_text_rejects_more_than_max_length() -> None:
    error = rejected(lambda: clean_text("a" * (NAME_MAX + 1), field="lastName", max_length=NAME_MAX), "lastName")
    assert str(NAME_MAX) in error.message


def test_clean_text_measures_length_after_trimming() -> None:
    assert clean_text("   " + "a" * NAME_MAX + "   ", field="firstName", max_length=NAME_MAX) == "a" * NAME_MAX


@pytest.mark.parametrize(
    "raw", [pytest.param(5, id="int"), pytest.param(b"Ann", id="bytes"), pytest.param(None, id="none")]
)
def test_clean_text_rejects_non_strings(raw: object) -> None:
    rejected(lambda: clean_text(raw, field="gender", max_length=20), "gender")


# --- booleans -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
def test_clean_bool_accepts_booleans(value: bool) -> None:
    assert clean_bool(value, "verified") is value


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="one"),
        pytest.param(0, id="zero"),
        pytest.param("true", id="string-true"),
        pytest.param("", id="empty-string"),
        pytest.param(None, id="none"),
    ],
)
def test_clean_bool_rejects_non_booleans(value: object) -> None:
    rejected(lambda: clean_bool(value, "pushNotifications"), "pushNotifications")


# --- passwords ------------------------------------------------------------------------------------


# The rule, in characters: a new password has 8 to 128 of them, whatever their size in bytes.


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("q7#Lm2!x", id="8-ascii"),
        pytest.param("ééééééé!", id="8-chars-15-bytes"),
        pytest.param("é" * 64, id="64-chars-128-bytes"),
        pytest.param("a" * 128, id="128-ascii"),
        pytest.param("é" * 128, id="128-chars-256-bytes"),
        pytest.param("😀" * 128, id="128-chars-512-bytes"),
        pytest.param(" spaced password ", id="spaces-kept"),
    ],
)
def test_clean_new_password_accepts_8_to_128_characters(password: str) -> None:
    assert clean_new_password(password) == password


@pytest.mark.parametrize(
    ("password", "limit"),
    [
        pytest.param("", "8", id="empty"),
        pytest.param("a" * 7, "8", id="7-ascii"),
        pytest.param("éééé", "8", id="4-chars-8-bytes"),
        pytest.param("😀" * 7, "8", id="7-chars-28-bytes"),
        pytest.param("a" * 129, "128", id="129-ascii"),
        pytest.param("é" * 129, "128", id="129-chars"),
    ],
)
def test_clean_new_password_rejects_lengths_outside_8_to_128_characters(password: str, limit: str) -> None:
    error = rejected(lambda: clean_new_password(password), "password")
    assert f"{limit} characters" in error.message


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(12345678, id="int"),
        pytest.param(None, id="none"),
        pytest.param("pass" + LONE_SURROGATE * 4, id="lone-surrogate"),
    ],
)
def test_clean_new_password_rejects_non_text(password: object) -> None:
    rejected(lambda: clean_new_password(password), "password")


def test_clean_new_password_reports_the_given_field() -> None:
    rejected(lambda: clean_new_password("short", "newPassword"), "newPassword")


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="short"),
        pytest.param("é" * 64, id="64-chars-128-bytes"),
        pytest.param("a" * 128, id="128-ascii"),
        pytest.param("😀" * 128, id="128-chars-512-bytes"),
    ],
)
def test_check_password_size_accepts_up_to_128_characters_of_any_size(password: str) -> None:
    assert check_password_size(password) == password


@pytest.mark.parametrize(
    "password",
    [pytest.param("a" * 129, id="129-ascii"), pytest.param("é" * 129, id="129-chars")],
)
def test_check_password_size_rejects_more_than_128_characters(password: str) -> None:
    error = rejected(lambda: check_password_size(password), "password")
    assert "128 characters" in error.message
    rejected(lambda: check_password_size(password, "currentPassword"), "currentPassword")


# --- clean_fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "field"),
    [
        pytest.param("user_name", "userName", id="userName"),
        pytest.param("first_name", "firstName", id="firstName"),
        pytest.param("last_name", "lastName", id="lastName"),
        pytest.param("push_notifications", "pushNotifications", id="pushNotifications"),
        pytest.param("account_privacy", "accountPrivacy", id="accountPrivacy"),
        pytest.param("verified", "verified", id="verified"),
    ],
)
def test_clean_fields_refuses_null_for_non_nullable_fields(attribute: str, field: str) -> None:
    rejected(lambda: clean_fields({attribute: None}), field)


@pytest.mark.parametrize(
    ("attribute", "table"),
    [
        pytest.param("phone_number", "user", id="phoneNumber"),
        pytest.param("bio", "user", id="bio"),
        pytest.param("profile_image", "user", id="profileImage"),
        pytest.param("website", "profile", id="website"),
        pytest.param("gender", "profile", id="gender"),
    ],
)
def test_clean_fields_null_clears_a_nullable_field(attribute: str, table: str) -> None:
    cleaned = clean_fields({attribute: None})
    assert getattr(cleaned, table) == {attribute: None}
    assert getattr(cleaned, "profile" if table == "user" else "user") == {}


def test_clean_fields_null_email_clears_its_key_too() -> None:
    assert clean_fields({"email": None}) == CleanFields(user={"email": None, "email_key": None}, profile={})


def test_clean_fields_user_name_adds_its_key() -> None:
    cleaned = clean_fields({"user_name": "Ann.Lee"})
    assert cleaned.user == {"user_name": "Ann.Lee", "user_name_key": "ann.lee"}
    assert cleaned.profile == {}


def test_clean_fields_email_is_normalised_and_adds_its_key() -> None:
    cleaned = clean_fields({"email": "  Ann@EXAMPLE.com "})
    assert cleaned.user == {"email": "Ann@example.com", "email_key": "ann@example.com"}


def test_clean_fields_sends_profile_fields_to_the_profile() -> None:
    cleaned = clean_fields(
        {
            "website": " https://ann.example ",
            "gender": " female ",
            "push_notifications": True,
            "account_privacy": False,
            "verified": True,
        }
    )
    assert cleaned.user == {}
    assert cleaned.profile == {
        "website": "https://ann.example",
        "gender": "female",
        "push_notifications": True,
        "account_privacy": False,
        "verified": True,
    }


def test_clean_fields_cleans_user_fields() -> None:
    cleaned = clean_fields(
        {
            "first_name": " Ann ",
            "last_name": "Lee",
            "phone_number": "+1 (234) 567-890",
            "bio": "line one\nline two",
            "profile_image": "https://img.example/ann.png",
        }
    )
    assert cleaned.profile == {}
    assert cleaned.user == {
        "first_name": "Ann",
        "last_name": "Lee",
        "phone_number": "+1234567890",
        "bio": "line one\nline two",
        "profile_image": "https://img.example/ann.png",
    }


def test_clean_fields_with_nothing_changes_nothing() -> None:
    assert clean_fields({}) == CleanFields(user={}, profile={})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"user_name": "ann lee"}, "userName", id="userName"),
        pytest.param({"first_name": "a\nb"}, "firstName", id="firstName-newline"),
        pytest.param({"last_name": "a" * (NAME_MAX + 1)}, "lastName", id="lastName-too-long"),
        pytest.param({"email": "not-an-email"}, "email", id="email"),
        pytest.param({"phone_number": "123"}, "phoneNumber", id="phoneNumber"),
        pytest.param({"bio": "a" * (BIO_MAX + 1)}, "bio", id="bio-too-long"),
        pytest.param({"profile_image": "ftp://img.example/a.png"}, "profileImage", id="profileImage"),
        pytest.param({"website": "javascript:alert(1)"}, "website", id="website"),
        pytest.param({"gender": "a\u202eb"}, "gender", id="gender-rtl-override"),
        pytest.param({"push_notifications": "yes"}, "pushNotifications", id="pushNotifications"),
        pytest.param({"account_privacy": 1}, "accountPrivacy", id="accountPrivacy"),
        pytest.param({"verified": "true"}, "verified", id="verified"),
    ],
)
def test_clean_fields_reports_the_api_field_name(values: dict[str, object], field: str) -> None:
    rejected(lambda: clean_fields(values), field)


def test_clean_fields_names_the_one_bad_field_among_good_ones() -> None:
    rejected(lambda: clean_fields({"first_name": "Ann", "website": "nope", "bio": "fine"}), "website")


def test_clean_fields_reports_every_bad_field_in_the_update_inputs_order() -> None:
    with pytest.raises(InvalidFields) as caught:
        clean_fields(
            {"account_privacy": None, "website": "nope", "first_name": "ok", "user_name": "a b", "name": "x"},
        )

    assert caught.value.code == "BAD_USER_INPUT"
    assert [(type(error), error.field) for error in caught.value.errors] == [
        (InvalidInput, "name"),  # not together with firstName
        (InvalidInput, "userName"),
        (InvalidInput, "website"),
        (InvalidInput, "accountPrivacy"),
    ]


def test_the_reporting_orders_are_the_inputs_field_orders() -> None:
    """Errors are reported in the order the API declares the input's fields (schema.graphql)."""
    types = core_schema(build_schema(Settings())).type_map
    update = cast(GraphQLInputObjectType, types["UpdateUserInput"])
    register = cast(GraphQLInputObjectType, types["RegisterInput"])

    assert list(UPDATE_ORDER) == list(update.fields)
    assert list(REGISTER_ORDER) == [*register.fields]


def test_raise_together_raises_one_error_as_itself_and_several_in_the_given_order() -> None:
    one = InvalidInput("bio is too long.", field="bio")
    with pytest.raises(InvalidInput) as caught:
        raise_together([one], order=("userName", "bio"))
    assert caught.value is one

    raise_together([])  # nothing refused: nothing raised

    taken = [Conflict("email taken", field="email"), Conflict("name taken", field="userName")]
    with pytest.raises(TakenFields) as conflicts:
        raise_together(taken, order=("userName", "email"))
    assert [error.field for error in conflicts.value.errors] == ["userName", "email"]
    assert conflicts.value.code == "CONFLICT"

    unordered = [InvalidInput("x", field="other"), InvalidInput("y", field="bio"), InvalidInput("z")]
    with pytest.raises(InvalidFields) as several:
        raise_together(unordered, order=("bio",))
    assert [error.field for error in several.value.errors] == ["bio", "other", None]


@pytest.mark.parametrize("attribute", sorted(FIELD_RULES))
def test_every_api_field_name_is_the_camel_case_attribute(attribute: str) -> None:
    head, *rest = attribute.split("_")
    assert FIELD_RULES[attribute].name == head + "".join(word.capitalize() for word in rest)
