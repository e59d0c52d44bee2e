"""``python main.py export-schema``: the GraphQL SDL, as schema.graphql holds it."""

from __future__ import annotations

import argparse

from cli import Commands
from schema.build import sdl


def export_schema(args: argparse.Namespace) -> int:
    print(sdl())
    return 0


def register(commands: Commands) -> None:
    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=export_schema)
