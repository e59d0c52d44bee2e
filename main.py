"""Assembles and starts: ``main:app`` for uvicorn, ``python main.py [COMMAND]`` for the operator.

The app is built in web/ (web/app.py) from the schema in schema/ (schema/build.py); the commands live in cli/.
"""

from __future__ import annotations

import argparse
import logging
import sys
from importlib.util import find_spec

if find_spec("strawberry") is None:  # a Python without the server's packages, e.g. the system's, not .venv's
    sys.exit(
        "error: this Python does not have the server's packages. `make run` installs them into .venv;\n"
        "then run the commands as `.venv/bin/python main.py ...` (or `.venv/bin/user-service ...`)."
    )

from cli import admin, database, keys, outbox, schema, serve
from settings import help_table
from web.app import create_app
from web.app_from_environment import AppFromEnvironment
from web.startup import STARTUP_ERRORS

__all__ = ["app", "create_app", "main"]

# `uvicorn main:app`: the app is built from the environment when the server starts, not on import.
app = AppFromEnvironment()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python main.py",
        description="The GraphQL user-management server. Without a command it serves the API.",
        epilog="environment variables (settings/ reads them; see README, Configuration):\n" + help_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    for group in (serve, schema, database, admin, outbox, keys):
        group.register(commands)
    root.set_defaults(run=serve.serve)
    return root


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except STARTUP_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


def run() -> None:
    """The `user-service` command that `pip install` puts beside the virtualenv's python."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    run()
