"""``python main.py migrate | recount | purge``: the database's upkeep."""

from __future__ import annotations

import argparse
import sys
from functools import partial

import database
from cli import Commands
from cli.connect import with_database
from services import maintenance
from services.people import counters
from settings import Settings


def migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_environ()
    applied = with_database(settings, lambda: database.migrate(args.target))
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("no migrations to apply")
    return 0


def recount(args: argparse.Namespace) -> int:
    """Check every user's followersCount and followingCount against the follow rows; fix and list the wrong ones."""
    settings = Settings.from_environ()
    try:
        fixes = with_database(settings, counters.recount)
    except database.DatabaseNotReady:
        raise
    except Exception as exc:  # a database error part-way: every fix made so far was committed on its own
        print(f"error: recount stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for fix in fixes:
        print(f"fixed {fix.user_name}: {fix.field} {fix.was} -> {fix.now}")
    print(f"{len(fixes)} count(s) fixed." if fixes else "Every count matches the rows.")
    return 0


def purge(args: argparse.Namespace) -> int:
    """The server's periodic clean-up, once, now (e.g. from cron when no server runs)."""
    settings = Settings.from_environ()
    purged = with_database(settings, partial(maintenance.run_once, settings), prepared=True)
    print(f"purged {purged.accounts} accounts deactivated over {settings.account_restore_days:g} days ago")
    print(f"purged {purged.security_events} security events older than {settings.security_event_days} days")
    print(f"expired {purged.data_exports} data exports older than {settings.data_export_days} days (files deleted)")
    return 0


def register(commands: Commands) -> None:
    migrate_command = commands.add_parser("migrate", help="apply pending database migrations, then exit")
    migrate_command.add_argument("target", nargs="?", help="stop after this migration, e.g. 0001_initial")
    migrate_command.set_defaults(run=migrate)
    commands.add_parser(
        "recount", help="check every user's follower counts against the rows, fix and print the wrong ones"
    ).set_defaults(run=recount)
    commands.add_parser("purge", help="delete what is past its keeping time, then exit").set_defaults(run=purge)
