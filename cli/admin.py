"""``python main.py create-admin | disable-2fa``: what only the operator may do to an account."""

from __future__ import annotations

import argparse
import sys

from cli import Commands
from cli.connect import with_database
from services.accounts import registration
from services.errors import AccountError
from services.identity import two_factor
from settings import Settings


def create_admin(args: argparse.Namespace) -> int:
    """Make an existing user an admin. The only way anyone becomes one."""
    settings = Settings.from_environ()

    async def promote() -> str:
        user = await registration.grant_admin(args.user_name)
        return user.user_name

    try:
        name = with_database(settings, promote, prepared=True)
    except AccountError as exc:
        print(f"error: {exc.message} Register the account first, then run create-admin.", file=sys.stderr)
        return 1
    print(f"{name} is now an admin.")
    return 0


def disable_2fa(args: argparse.Namespace) -> int:
    """Turn a user's two-factor sign-in off, for an owner who lost the app and the recovery codes."""
    settings = Settings.from_environ()

    async def disable() -> str:
        user = await two_factor.disable_by_operator(user_name=args.user_name)
        return user.user_name

    try:
        name = with_database(settings, disable, prepared=True)
    except AccountError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Two-factor sign-in is off for {name}; every session of it has ended.")
    return 0


def register(commands: Commands) -> None:
    admin = commands.add_parser("create-admin", help="make an existing user an admin")
    admin.add_argument("user_name", metavar="USERNAME")
    admin.set_defaults(run=create_admin)
    disable = commands.add_parser(
        "disable-2fa", help="turn a user's two-factor sign-in off (lost authenticator app and recovery codes)"
    )
    disable.add_argument("user_name", metavar="USERNAME")
    disable.set_defaults(run=disable_2fa)
