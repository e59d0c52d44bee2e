"""``python main.py outbox``: the mails not sent yet, and the ones given up on."""

from __future__ import annotations

import argparse

from cli import Commands
from cli.connect import with_database
from services.mail import outbox
from settings import Settings


def list_outbox(args: argparse.Namespace) -> int:
    """Mails not sent yet, and mails given up on; never their links or tokens."""
    settings = Settings.from_environ()
    mails = with_database(settings, outbox.unsent)
    if not mails:
        print("no pending or failed mails")
        return 0
    print("id\tstatus\tattempts\ttemplate\trecipient\tcreated\tnext attempt\tlast error")
    for mail in mails:
        next_attempt = mail.next_attempt_at.isoformat(timespec="seconds") if mail.status == outbox.PENDING else "-"
        print(
            f"{mail.id}\t{mail.status}\t{mail.attempts}\t{mail.template}\t{mail.recipient}\t"
            f"{mail.created_at.isoformat(timespec='seconds')}\t{next_attempt}\t{mail.last_error or '-'}"
        )
    return 0


def register(commands: Commands) -> None:
    commands.add_parser("outbox", help="list pending and failed mails (without their links)").set_defaults(
        run=list_outbox
    )
