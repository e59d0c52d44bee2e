"""``python main.py keys generate | list | activate KID | retire KID``: the key pairs access tokens are signed with
(services/identity/signing_keys.py). A refusal is one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from cli import Commands
from cli.connect import with_database
from services.errors import AccountError
from services.identity import signing_keys
from services.identity.signing_keys import KeyInfo
from settings import Settings

T = TypeVar("T")
REFUSED = 2


def generate(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    key = _run(settings, lambda: signing_keys.generate(settings))
    if key is None:
        return REFUSED
    if key.state == signing_keys.ACTIVE:
        print(f"{key.kid}\t{key.algorithm}\tactive: tokens are signed with it now.")
    else:
        print(
            f"{key.kid}\t{key.algorithm}\tnext: published in the JWKS, not signing yet. After JWKS_MAX_AGE "
            f"({settings.jwks_max_age} s) run `python main.py keys activate {key.kid}`."
        )
    return 0


def list_keys(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    keys = _run(settings, lambda: signing_keys.list_keys(settings))
    if keys is None:
        return REFUSED
    if not keys:
        print("no signing keys; create one with `python main.py keys generate`")
        return 0
    print("kid\talgorithm\tstate\tcreated\tactivated\tretired\tpublished until")
    for key in keys:
        print("\t".join([key.kid, key.algorithm, key.state, *map(_when, _dates(key))]))
    return 0


def activate(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    key = _run(settings, lambda: signing_keys.activate(args.kid, settings, force=args.now))
    if key is None:
        return REFUSED
    print(
        f"{key.kid} is active: new tokens are signed with it. The previous key stays published until the last "
        f"token it signed has expired (ACCESS_TOKEN_TTL, {settings.access_token_ttl} s); every instance picks the "
        f"change up within SIGNING_KEY_REFRESH_SECONDS ({settings.signing_key_refresh_seconds} s)."
    )
    return 0


def retire(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    key = _run(settings, lambda: signing_keys.retire(args.kid, settings))
    if key is None:
        return REFUSED
    print(f"{key.kid} is retired; it is published until {_when(key.published_until)}.")
    return 0


def _run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T | None:
    try:
        return with_database(settings, work, prepared=True)
    except AccountError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return None


def _dates(key: KeyInfo) -> tuple[datetime | None, ...]:
    return key.created_at, key.activated_at, key.retired_at, key.published_until


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


def register(commands: Commands) -> None:
    keys = commands.add_parser("keys", help="signing keys of access tokens: generate, list, activate, retire")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    actions.add_parser(
        "generate", help="a new key pair of JWT_ALGORITHM: active if none is, else next (published, not signing)"
    ).set_defaults(run=generate)
    actions.add_parser("list", help="every key: kid, algorithm, state and dates").set_defaults(run=list_keys)
    activating = actions.add_parser("activate", help="sign with the next key KID; the active one is retired")
    activating.add_argument("kid", metavar="KID")
    activating.add_argument(
        "--now", action="store_true", help="even if published for less than JWKS_MAX_AGE (verifiers may refuse it)"
    )
    activating.set_defaults(run=activate)
    retiring = actions.add_parser("retire", help="withdraw a next key KID (the active one: activate another first)")
    retiring.add_argument("kid", metavar="KID")
    retiring.set_defaults(run=retire)
