"""Input rules, one function per kind of value and one table naming which rule guards which field.

Each rule returns the value as it will be stored (trimmed, normalised) or raises
:class:`InvalidInput` naming the API field. :class:`FieldChecks` runs the rules of one input's fields
and reports every field that breaks one together (services.errors.raise_together).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from models.user import BIO_MAX, EMAIL_MAX, GENDER_MAX, NAME_MAX, URL_MAX, USER_NAME_MAX
from services.errors import AccountError, InvalidInput, raise_together

T = TypeVar("T")

# Lengths in characters (code points), as people count them: "é" repeated 64 times is 64, not 128.
# Hashing has no byte limit (services/identity/passwords.py pre-hashes); the maximum only bounds the work.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).parents[1] / "data" / "common-passwords.txt.gz"

USER_NAME_RE = re.compile(rf"[A-Za-z0-9_.]{{1,{USER_NAME_MAX}}}")
# What people type around the digits of a number: ASCII digits, one leading "+", spaces, dashes,
# dots and parentheses. Letters (vanity numbers, "ext.") and non-ASCII digits are refused rather
# than guessed at.
PHONE_CHARACTERS = re.compile(r"\+[0-9\s\-().]+")
E164_MAX_DIGITS = 15

# Joiners are part of how Persian, Indic and emoji text is written; every other invisible
# formatting character (bidi overrides, zero-width space, soft hyphen, tags) only serves to
# make one name look like another.
_JOINERS = {"\u200c", "\u200d"}


def _is_forbidden_char(ch: str, *, multiline: bool) -> bool:
    if multiline and ch in "\n\t":
        return False
    category = unicodedata.category(ch)
    return category == "Cc" or (category == "Cf" and ch not in _JOINERS)


def require_str(value: object, field: str) -> str:
    """``value`` as text that can be stored (no lone surrogates), or InvalidInput."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string.", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} is not valid Unicode text.", field=field) from None
    return value


def clean_text(value: object, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Trimmed text without control characters, at most ``max_length`` characters."""
    text = require_str(value, field).strip()
    if multiline:
        text = text.replace("\r\n", "\n")
    if any(_is_forbidden_char(ch, multiline=multiline) for ch in text):
        raise InvalidInput(f"{field} contains control or invisible formatting characters.", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters.", field=field)
    return text


def clean_user_name(value: object, field: str = "userName") -> str:
    name = require_str(value, field)
    if not USER_NAME_RE.fullmatch(name) or not any(ch.isalnum() for ch in name):
        raise InvalidInput(
            f"{field} must be 1 to {USER_NAME_MAX} characters of ASCII letters, digits, '_' or '.', "
            "with at least one letter or digit.",
            field=field,
        )
    return name


def check_lookup_text(value: object, field: str) -> str:
    """Text to search for (a login name or email): control characters can match nothing stored,
    and PostgreSQL refuses a NUL byte outright, so they are the caller's mistake, not a miss."""
    text = require_str(value, field)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidInput(f"{field} contains control characters.", field=field)
    return text


def user_name_key(name: str) -> str:
    """The form user names are compared in: case does not make a different user."""
    return name.casefold()


def clean_email(value: object, field: str = "email") -> str:
    text = require_str(value, field).strip()
    if len(text) > EMAIL_MAX:
        raise InvalidInput(f"{field} must be at most {EMAIL_MAX} characters.", field=field)
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"{field} is not a valid email address: {exc}", field=field) from None
    return checked.normalized


def email_key(email: str) -> str:
    """The form emails are compared in: the whole address, case-insensitively.

    lower(), not casefold(): casefold maps "straße" to "strasse", two different mailboxes.
    """
    return email.lower()


def clean_phone(value: object, field: str = "phoneNumber") -> str:
    """A phone number in international form, stored as E.164 (``+16502530000``).

    ``phonenumbers`` refuses what cannot be a number at all (``+12``, an unknown country code).
    A number that parses but is not assigned (the seed's own ``+1234567890``) is accepted: people
    paste such numbers, and refusing them would only block registration.
    """
    text = require_str(value, field).strip()
    problem = f"{field} must be an international phone number starting with +, e.g. +16502530000."
    if not PHONE_CHARACTERS.fullmatch(text):
        raise InvalidInput(problem, field=field)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput(problem, field=field) from None
    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(phone) - 1 > E164_MAX_DIGITS:
        raise InvalidInput(f"{field} has more than {E164_MAX_DIGITS} digits.", field=field)
    return phone


def clean_url(value: object, field: str) -> str:
    url = require_str(value, field).strip()
    if len(url) > URL_MAX:
        raise InvalidInput(f"{field} must be at most {URL_MAX} characters.", field=field)
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        raise InvalidInput(f"{field} must not contain spaces or control characters.", field=field)
    try:
        parts = urlsplit(url)
        scheme, host, _ = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:  # an unbalanced "[" in the host, a port out of range
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise InvalidInput(f"{field} must be an http:// or https:// URL.", field=field)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(f"{field} must not contain a user name or password.", field=field)
    return url


def clean_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false.", field=field)
    return value


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, lower-cased (list by Royce Williams, as shipped by Django)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def clean_new_password(
    value: object, field: str = "password", *, user_name: str | None = None, email: str | None = None
) -> str:
    """A password to be stored: 8 to 128 characters, not a common one, not the user's name or email."""
    password = check_password_size(value, field)
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"{field} must be at least {PASSWORD_MIN_LENGTH} characters long.", field=field)
    lowered = password.lower()
    if lowered in common_passwords():
        raise InvalidInput(f"{field} is one of the most common passwords; choose another.", field=field)
    if lowered in {(user_name or "").lower(), (email or "").lower()}:
        raise InvalidInput(f"{field} must not be your user name or email address.", field=field)
    return password


def check_password_size(value: object, field: str = "password") -> str:
    """A password to be checked against a hash: at most 128 characters, whatever their bytes."""
    password = require_str(value, field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"{field} must be at most {PASSWORD_MAX_LENGTH} characters.", field=field)
    return password


@dataclass(frozen=True)
class FieldRule:
    """How one API field is checked and where it is stored."""

    name: str  # the API's name, reported in errors
    table: Literal["user", "profile"]
    nullable: bool
    clean: Callable[[object, str], Any]


def _text(max_length: int, *, multiline: bool = False) -> Callable[[object, str], str]:
    return lambda value, field: clean_text(value, field=field, max_length=max_length, multiline=multiline)


# Keyed by the model attribute. Derived columns (the *_key ones) are added by clean_fields.
FIELD_RULES: Mapping[str, FieldRule] = {
    "user_name": FieldRule("userName", "user", False, clean_user_name),
    "first_name": FieldRule("firstName", "user", False, _text(NAME_MAX)),
    "last_name": FieldRule("lastName", "user", False, _text(NAME_MAX)),
    "email": FieldRule("email", "user", True, clean_email),
    "phone_number": FieldRule("phoneNumber", "user", True, clean_phone),
    "bio": FieldRule("bio", "user", True, _text(BIO_MAX, multiline=True)),
    "profile_image": FieldRule("profileImage", "user", True, clean_url),
    "website": FieldRule("website", "profile", True, clean_url),
    "gender": FieldRule("gender", "profile", True, _text(GENDER_MAX)),
    "push_notifications": FieldRule("pushNotifications", "profile", False, clean_bool),
    "account_privacy": FieldRule("accountPrivacy", "profile", False, clean_bool),
    "verified": FieldRule("verified", "profile", False, clean_bool),
}


class FieldChecks:
    """The rules of one input's fields, each run whatever the others found: a form learns every field to
    fix in one answer. Run each with :meth:`check`, then :meth:`raise_refused` before using any value."""

    def __init__(self) -> None:
        self.refused: list[AccountError] = []

    def check(self, rule: Callable[[], T]) -> T | None:
        """What ``rule`` returns, or None if it refused (the refusal is kept)."""
        try:
            return rule()
        except InvalidInput as refused:
            self.refused.append(refused)
            return None

    def refuse(self, error: AccountError) -> None:
        self.refused.append(error)

    def refused_field(self, field: str) -> bool:
        return any(error.field == field for error in self.refused)

    def raise_refused(self, order: Sequence[str] = ()) -> None:
        """Raise every refusal together (one as itself), in ``order`` of their fields; nothing if none."""
        raise_together(self.refused, order=order)


@dataclass
class CleanFields:
    user: dict[str, Any]
    profile: dict[str, Any]


def split_full_name(values: Mapping[str, object]) -> dict[str, object]:
    """Seed 000's single ``name`` becomes firstName (first word) and lastName (the rest)."""
    if "name" not in values:
        return dict(values)
    if "first_name" in values or "last_name" in values:
        raise InvalidInput("Send either name or firstName/lastName, not both.", field="name")
    if values["name"] is None:
        raise InvalidInput("name cannot be null.", field="name")
    full = clean_text(values["name"], field="name", max_length=2 * NAME_MAX + 1)
    first, _, last = full.partition(" ")
    last = last.strip()
    if len(first) > NAME_MAX or len(last) > NAME_MAX:
        raise InvalidInput(f"Each part of name must be at most {NAME_MAX} characters.", field="name")
    rest = {key: value for key, value in values.items() if key != "name"}
    return {**rest, "first_name": first, "last_name": last}


# The order of the fields in UpdateUserInput, which errors are reported in (FIELD_RULES follows it too).
UPDATE_ORDER = ("name", *(rule.name for rule in FIELD_RULES.values()), "providedOldPassword", "providedNewPassword")


def clean_fields(values: Mapping[str, object]) -> CleanFields:
    """Check every given field (keyed by model attribute); ``None`` clears a nullable one. Every field that
    breaks its rule is reported, together, in UpdateUserInput's order."""
    checks = FieldChecks()
    result = check_fields(values, checks)
    checks.raise_refused(UPDATE_ORDER)
    return result


def check_fields(values: Mapping[str, object], checks: FieldChecks) -> CleanFields:
    """Check every given field, keeping the refusals in ``checks``: the fields that pass, cleaned."""
    result = CleanFields(user={}, profile={})
    given = checks.check(lambda: split_full_name(values))
    if given is None:  # name is at fault: check the others alone
        given = {key: value for key, value in values.items() if key != "name"}
    for attribute, value in given.items():
        rule = FIELD_RULES[attribute]
        if value is None:
            if not rule.nullable:
                checks.refuse(InvalidInput(f"{rule.name} cannot be null.", field=rule.name))
                continue
            cleaned = None
        else:
            cleaned = checks.check(partial(rule.clean, value, rule.name))
            if cleaned is None:  # refused: a rule never returns None for a value
                continue
        target = result.user if rule.table == "user" else result.profile
        target[attribute] = cleaned
        if attribute == "user_name" and isinstance(cleaned, str):
            target["user_name_key"] = user_name_key(cleaned)
        elif attribute == "email":
            target["email_key"] = None if cleaned is None else email_key(cleaned)
    return result
