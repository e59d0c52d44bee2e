"""What a one-time code looks like, checked in one place before any code is compared or looked up.

A code is a TOTP code (6 ASCII digits) or a recovery code (16 characters of ``RECOVERY_ALPHABET``, shown
in 4 groups of 4). People type them with spaces or dashes and in any case. Anything else is no code at
all and BAD_USER_INPUT naming the argument, never "a wrong code": other digits (Arabic-Indic, fullwidth:
``str.isdigit`` and ``int`` accept them, an HMAC comparison does not), control characters, lone surrogates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.accounts.validation import require_str
from services.errors import InvalidInput

DIGITS = 6  # RFC 6238's default, what every authenticator app shows
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32: no 0/1/8/9 to confuse with o/l/b/g
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 4, 4  # 16 characters of 5 bits: 80 bits
MAX_CODE_LENGTH = 64  # as typed, separators included

_SEPARATORS = str.maketrans("", "", " -")
_TOTP = re.compile(f"[0-9]{{{DIGITS}}}")  # [0-9], not \d: \d matches every script's digits
_RECOVERY = re.compile(f"[{RECOVERY_ALPHABET}]{{{RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH}}}")


@dataclass(frozen=True)
class Code:
    """A well-formed code: a TOTP code's 6 digits, or a recovery code's 16 characters in lower case
    without separators (the form its hash is stored of)."""

    text: str
    recovery: bool


def parse(value: object, field: str, *, recovery: bool = True) -> Code:
    """The code ``value`` spells, or BAD_USER_INPUT naming ``field``; ``recovery=False`` takes TOTP codes only."""
    text = require_str(value, field).strip()
    if len(text) <= MAX_CODE_LENGTH and text.isascii():
        compact = text.translate(_SEPARATORS).lower()
        if _TOTP.fullmatch(compact):
            return Code(compact, recovery=False)
        if recovery and _RECOVERY.fullmatch(compact):
            return Code(compact, recovery=True)
    kinds = f"{DIGITS} digits from the authenticator app" + (" or a recovery code" if recovery else "")
    raise InvalidInput(f"{field} is not a code: send the {kinds}.", field=field)


def parse_optional(value: object | None, field: str) -> Code | None:
    """``parse`` for an optional argument: null or blank is no code (the caller decides whether one is needed)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse(value, field)
