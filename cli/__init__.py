"""``python main.py COMMAND``: one module per group of commands, each adding its own to the parser."""

from __future__ import annotations

import argparse
from typing import Any, Protocol


class Commands(Protocol):
    """What ``add_subparsers()`` returns, as each module's ``register`` uses it (argparse's class is private)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...
