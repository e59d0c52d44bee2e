"""Rate limits: one table of named rules, each a limit and a window (settings) and what it counts per.

A use case reserves an attempt under its rules before doing the work (refused with TOO_MANY_REQUESTS
if any rule is at its limit), and gives the attempt back when the outcome should not count: a login
counts only failures, an update only a CONFLICT (an answer that says a value is taken). Every limit is a time
window, so a stranger can at worst slow an account down for a window, never lock it for good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services import audit
from services.client import Client
from services.errors import TooManyRequests
from services.throttle_counters import Counters, Slot
from settings import Settings


@dataclass(frozen=True)
class Rule:
    limit: str  # the setting: how many attempts a window allows
    window: str  # the setting: the window, in seconds
    per: tuple[str, ...]  # what is counted apart: "account", "address", "email"
    cleared_by_success: bool = False  # a success wipes the count instead of giving its own attempt back


# Adding a limit: one line here and its setting in settings/throttle.py. README's table is rendered from this.
RULES = {
    "login_failures": Rule("login_max_failures", "login_window", ("account", "address"), cleared_by_success=True),
    "login_failures_by_address": Rule("login_max_failures_per_address", "login_window", ("address",)),
    "login_failures_by_account": Rule("login_max_failures_per_account", "login_window", ("account",)),
    "registrations": Rule("register_max_per_address", "register_window", ("address",)),
    "refreshes": Rule("refresh_max_per_address", "refresh_window", ("address",)),
    "conflicts_by_account": Rule("conflict_max_per_account", "conflict_window", ("account",)),
    "conflicts_by_address": Rule("conflict_max_per_address", "conflict_window", ("address",)),
    "password_resets_by_address": Rule("password_reset_max_per_address", "password_reset_window", ("address",)),
    "password_resets_by_email": Rule("password_reset_max_per_email", "password_reset_window", ("email",)),
    "sign_in_codes_by_address": Rule("sign_in_code_max_per_address", "sign_in_code_window", ("address",)),
    "sign_in_codes_by_email": Rule("sign_in_code_max_per_email", "sign_in_code_window", ("email",)),
    "provider_sign_ins_by_address": Rule("provider_sign_in_max_per_address", "provider_sign_in_window", ("address",)),
    "persisted_queries_by_address": Rule("persisted_queries_max_per_address", "persisted_queries_window", ("address",)),
}

# Rules used together.
LOGIN = ("login_failures", "login_failures_by_address", "login_failures_by_account")
CONFLICTS = ("conflicts_by_account", "conflicts_by_address")
# Reset and verification mails, counted per client and per email address whether or not an account has it.
MAIL_REQUESTS = ("password_resets_by_address", "password_resets_by_email")
# Sign-in codes (services.identity.sign_in_codes), counted per client and per email address whether or not
# an account has it.
SIGN_IN_CODE_REQUESTS = ("sign_in_codes_by_address", "sign_in_codes_by_email")
# Provider sign-ins and links begun (services.identity.providers), counted per client address.
PROVIDER_SIGN_IN_STARTS = ("provider_sign_ins_by_address",)
# New documents stored as automatic persisted queries, counted per client address.
PERSISTING = ("persisted_queries_by_address",)

TOO_MANY = "Too many requests from this address; try again later."

_SETTINGS = Settings.model_fields
for _name, _rule in RULES.items():  # a misspelt setting fails at import, not at the first request
    if _rule.limit not in _SETTINGS or _rule.window not in _SETTINGS:
        raise LookupError(f"throttle rule {_name!r} names a setting that settings.Settings does not declare")


@dataclass
class Attempt:
    """An attempt counted under some rules; ``succeeded()`` gives back what a success should not cost."""

    counters: Counters | None
    released: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)

    async def succeeded(self) -> None:
        if self.counters is not None:
            await self.counters.clear(self.cleared)
            await self.counters.release(self.released)
            self.counters = None  # once

    async def given_back(self) -> None:
        """Uncount this attempt under every rule, clearing nothing: an outcome that is neither a success
        nor a failure (a right password still waiting for its second factor)."""
        if self.counters is not None:
            await self.counters.release([*self.released, *self.cleared])
            self.counters = None  # once


class Throttle:
    def __init__(self, counters: Counters, settings: Settings) -> None:
        self.counters = counters
        self.enabled = settings.rate_limit_enabled
        self._settings = settings

    async def reserve(self, *rules: str, message: str = TOO_MANY, event: str = "throttled", **parts: str) -> Attempt:
        """Count one attempt under every rule named, or, if any is at its limit, refuse it uncounted.

        ``parts`` give what the rules count per (``account=``, ``address=``).
        """
        if not self.enabled:
            return Attempt(None)
        attempt = Attempt(self.counters)
        slots = []
        for name in rules:
            rule = RULES[name]
            key = "|".join((name, *(parts[part] for part in rule.per)))  # an address never holds "|"
            slots.append(Slot(key, getattr(self._settings, rule.limit), getattr(self._settings, rule.window)))
            (attempt.cleared if rule.cleared_by_success else attempt.released).append(key)
        refused = await self.counters.reserve(slots)
        if refused is not None:
            await audit.record(
                event,
                user_id=None,
                client=Client(parts.get("address", "")),
                rules=",".join(rules),
                retry_after=refused.retry_after,
            )
            raise TooManyRequests(message, retry_after=refused.retry_after)
        return attempt


def markdown_table(settings: Settings | None = None) -> str:
    """README's table of limits, rendered from RULES and the settings (their defaults unless given)."""
    settings = settings or Settings()
    described = Settings.model_fields
    rows = []
    for rule in RULES.values():
        limit, window = getattr(settings, rule.limit), getattr(settings, rule.window)
        rows.append(
            f"| {_WINDOW_SUFFIX.sub('', described[rule.limit].description or '')} | {limit} per {_duration(window)} "
            f"| `{rule.limit.upper()}`, `{rule.window.upper()}` |"
        )
    return "\n".join(["| limit | default | variables |", "| --- | --- | --- |", *rows])


_WINDOW_SUFFIX = re.compile(r",? in an? \w+ window$")  # the table has a column for the window


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return "hour" if seconds == 3600 else f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return "minute" if seconds == 60 else f"{seconds // 60} min"
    return f"{seconds} s"
