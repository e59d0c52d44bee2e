"""What the background workers of a server process share (the mail sender, the data-export builder, the webhook
worker): a loop that does what is due, then sleeps until woken or until its poll interval has passed; and a block
that runs one in this event loop and stops it cleanly after."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol, TypeVar


class Worker(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


W = TypeVar("W", bound=Worker)


async def poll(
    *,
    due: Callable[[], Awaitable[int]],
    batch: int,
    wake: asyncio.Event,
    poll_seconds: float,
    stopping: Callable[[], bool],
    error: str,
    logger: logging.Logger,
) -> None:
    """Until ``stopping()``: run ``due()`` (how many it took) at once again after a full ``batch``, else after
    ``wake`` is set or ``poll_seconds`` (other instances' work is found then). An error is logged as ``error``
    to ``logger``, and the next round tries again (the database is away, say)."""
    while not stopping():
        wake.clear()
        try:
            if await due() == batch:
                continue  # more may be due
        except Exception:
            logger.exception(error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll_seconds)


@contextlib.asynccontextmanager
async def running(worker: W, *, name: str, grace: float, late: str, logger: logging.Logger) -> AsyncIterator[W]:
    """``worker`` running in this event loop for the duration of the block; then stopped, given ``grace`` seconds
    to finish what it holds (then cancelled: leases bring its rows back), ``late`` logged if it needed cancelling."""
    task = asyncio.create_task(worker.run(), name=name)
    try:
        yield worker
    finally:
        worker.stop()
        try:
            await asyncio.wait_for(task, timeout=grace)
        except TimeoutError:
            logger.warning(late)
