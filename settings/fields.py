"""How a variable's text becomes a value, where pydantic's own parsing would accept too much: the annotated
types the settings' fields use, and their validators."""

from __future__ import annotations

import base64
import binascii
import re
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

MIN_SECRET_BYTES = 32
FERNET_KEY_BYTES = 32
NEW_JWT_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105 - a command
NEW_FERNET_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}")  # RFC 6265's token, not too long
COOKIE_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,=:@%/-]{0,200}")  # no ';', no space, no query


def _whole_number(value: object) -> object:
    if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdigit()):
        raise ValueError("must be a whole number")  # pydantic alone takes "8_000", "+5" and "4.0"
    return value


def words(value: object) -> object:
    return tuple(value.replace(",", " ").split()) if isinstance(value, str) else value


def _networks(value: object) -> object:
    listed = words(value)
    if not isinstance(listed, tuple):
        return listed
    try:
        return tuple(ip_network(word, strict=False) if isinstance(word, str) else word for word in listed)
    except ValueError as exc:
        raise ValueError(f"must list IP addresses or networks (CIDR): {exc}") from None


def _fernet_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    for key in keys:
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            decoded = b""
        if len(decoded) != FERNET_KEY_BYTES:
            raise ValueError(f"must be Fernet keys (32 bytes in URL-safe base64); generate one with `{NEW_FERNET_KEY}`")
    return keys


def _link(value: str) -> str:
    if "{token}" not in value:
        raise ValueError("must contain {token}, where the mailed token goes")
    return value


def _smtp_url(value: str) -> str:
    if value and not (value.startswith(("smtp://", "smtps://")) and urlsplit(value).hostname):
        raise ValueError("must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    return value


def _origins(values: tuple[str, ...]) -> tuple[str, ...]:
    """Browsers send an origin as scheme://host[:port], never with a path: a trailing slash (as copied from
    an address bar) is dropped; anything else that is no origin is refused rather than matching nothing."""
    origins = []
    for value in values:
        origin = value.removesuffix("/")
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query):
            raise ValueError(f"{value!r} is no origin: write scheme://host[:port], e.g. https://app.example.com")
        origins.append(origin)
    return tuple(origins)


def _cookie_name(value: str) -> str:
    if value and not COOKIE_NAME.fullmatch(value):
        raise ValueError("must be a cookie name: letters, digits and !#$%&'*+-.^_`|~")
    if value.startswith("__Host-"):
        raise ValueError("cannot start with __Host- (such a cookie must have Path=/; this one is scoped to its routes)")
    return value


def _cookie_path(value: str) -> str:
    if not COOKIE_PATH.fullmatch(value):
        raise ValueError("must be a URL path starting with /, e.g. /auth")
    return value.removesuffix("/") or "/"


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _jwt_algorithm(value: object) -> object:
    """JWT_ALGORITHM in any case (``eddsa``, ``es256``) as the JOSE name."""
    names = {name.lower(): name for name in ("EdDSA", "ES256", "RS256", "HS256")}
    return names.get(value.strip().lower(), value) if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _sign_in_redirects(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{value!r} is no page address: write scheme://host[:port]/path, without ? or #")
    return values


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment):
        raise ValueError(f"{value!r} is no address: write scheme://host[:port][/path], e.g. https://api.example.com")
    return value.removesuffix("/")


# NoDecode: a list is written as words separated by spaces or commas, not as JSON.
Whole = Annotated[int, BeforeValidator(_whole_number)]
Days = Annotated[float, Field(allow_inf_nan=False)]
Words = Annotated[tuple[str, ...], NoDecode, BeforeValidator(words)]
Origins = Annotated[tuple[str, ...], NoDecode, BeforeValidator(words), AfterValidator(_origins)]
FernetKeys = Annotated[tuple[str, ...], NoDecode, BeforeValidator(words), AfterValidator(_fernet_keys)]
Networks = Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode, BeforeValidator(_networks)]
Link = Annotated[str, AfterValidator(_link)]
RedirectUrls = Annotated[tuple[str, ...], NoDecode, BeforeValidator(words), AfterValidator(_sign_in_redirects)]
SmtpUrl = Annotated[str, AfterValidator(_smtp_url)]
CookieName = Annotated[str, AfterValidator(_cookie_name)]
CookiePath = Annotated[str, AfterValidator(_cookie_path)]
SameSite = Annotated[Literal["strict", "lax", "none"], BeforeValidator(_lower)]
Environment = Annotated[Literal["development", "test", "production"], BeforeValidator(_lower)]
LogFormat = Annotated[Literal["text", "json"], BeforeValidator(_lower)]
JwtAlgorithm = Annotated[Literal["EdDSA", "ES256", "RS256", "HS256"], BeforeValidator(_jwt_algorithm)]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)]
PublicUrl = Annotated[str, AfterValidator(_public_url)]
