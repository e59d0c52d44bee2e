"""Waking this process's webhook worker: after an event or a replay commits, rather than at its next look."""

from __future__ import annotations

import asyncio

_wakers: set[asyncio.Event] = set()


def wake() -> None:
    """Tell this process's worker that webhooks are waiting (other instances find them on their next look)."""
    for event in _wakers:
        event.set()


def waker() -> asyncio.Event:
    event = asyncio.Event()
    _wakers.add(event)
    return event


def forget(event: asyncio.Event) -> None:
    _wakers.discard(event)
