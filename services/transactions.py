"""Transactions that run work after they commit: ``transaction()`` is Tortoise's ``in_transaction()`` plus
hooks (``after_commit``) run once the outermost transaction has committed, and never when it rolls back.

Tortoise 1.1 has no on-commit hook, so the hooks wait in a context variable of the task that opened the
transaction. A nested ``transaction()`` (a savepoint) hands its hooks to the one around it when it is
released and drops them when it rolls back. Outside any transaction a hook runs at once. A hook asked for
inside a bare ``in_transaction()`` would run before the commit, so that is refused: open the transaction
with ``transaction()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.transactions import in_transaction

Hook = Callable[[], None]

_pending: ContextVar[list[Hook] | None] = ContextVar("after_commit", default=None)

BARE = "after_commit inside a bare in_transaction(): open the transaction with services.transactions.transaction()"


def _in_bare_transaction() -> bool:
    return any(isinstance(connections.get(name), TransactionalDBClient) for name in connections.db_config)


@asynccontextmanager
async def transaction() -> AsyncIterator[TransactionalDBClient]:
    """``async with transaction():`` one transaction (a savepoint inside another); its hooks run after the commit."""
    outer = _pending.get()
    if outer is None and _in_bare_transaction():
        raise RuntimeError(BARE)  # our commit would be a savepoint's release, not the commit
    hooks: list[Hook] = []
    token = _pending.set(hooks)
    try:
        async with in_transaction() as connection:
            yield connection
    finally:
        _pending.reset(token)
    # Only reached when the block committed (or, nested, its savepoint was released).
    if outer is not None:
        outer.extend(hooks)
        return
    for hook in hooks:
        hook()


def after_commit(hook: Hook) -> None:
    """Run ``hook`` once the surrounding ``transaction()`` commits (never if it rolls back); at once outside one."""
    pending = _pending.get()
    if pending is not None:
        pending.append(hook)
    elif _in_bare_transaction():
        raise RuntimeError(BARE)
    else:
        hook()
