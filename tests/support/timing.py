"""The one timed comparison of the suite (tests/graphql/test_reset_timing.py explains the method): a request for
an address an account has against one for an address none has, over HTTP from the client's side, in pairs.

Each round times one request of each, in a shuffled order; the next request starts only once the previous
one's background work (its mail) is done. The rounds are compared in pairs: the median of their differences
(known minus unknown), as a share of the unknown address's median time, so load that slows a stretch of
rounds cancels out.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tortoise.context import TortoiseContext

import database
from tests.support.mail import Mailer, outbox_drained

KNOWN, UNKNOWN = "ann@example.com", "nobody@example.com"
ROUNDS = 60
WARM_UP = 4  # rounds not counted: the first requests pay for caches and connections
MAX_RELATIVE_GAP = 0.5


@pytest.fixture
async def served_db(db: str, tmp_path: Path) -> AsyncIterator[str]:
    """The test's database as a server has it: on SQLite a file (WAL), not the suite's in-memory copy, in which
    a commit costs next to nothing and so would hide most of what writes cost."""
    if db != "sqlite":
        yield db
        return
    async with TortoiseContext() as ctx:
        url = f"sqlite://{tmp_path / 'timing.sqlite3'}"
        await ctx.init(config=database.tortoise_config(url, connection="sqlite"), _create_db=True)
        await database.migrate()
        yield db


@dataclass(frozen=True)
class Timing:
    known: list[float]
    unknown: list[float]

    @property
    def gap(self) -> float:
        """The median paired difference (known minus unknown) as a share of the unknown address's median."""
        differences = [k - u for k, u in zip(self.known, self.unknown, strict=True)]
        return statistics.median(differences) / statistics.median(self.unknown)

    def report(self, db: str) -> str:
        known, unknown = statistics.median(self.known), statistics.median(self.unknown)
        return (
            f"{db}: median known {known * 1e3:.2f} ms, unknown {unknown * 1e3:.2f} ms; "
            f"median difference {self.gap:+.0%}"
        )


async def time_in_pairs(mail: Mailer, document: str, answered: str, *, seed: int) -> Timing:
    """Time ``document`` (one ``$email`` variable, answering ``{answered: true}``) for KNOWN and UNKNOWN."""
    shuffled = random.Random(seed).sample  # noqa: S311 - a fixed seed: the same order on every run
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for round_ in range(WARM_UP + ROUNDS):
        for address in shuffled([KNOWN, UNKNOWN], 2):
            body = json.dumps({"query": document, "variables": {"email": address}})
            start = time.perf_counter()
            response = await mail.api.client.post(
                "/graphql", content=body, headers={"Content-Type": "application/json"}
            )
            elapsed = time.perf_counter() - start
            assert response.json() == {"data": {answered: True}}
            if round_ >= WARM_UP:
                times[address].append(elapsed)
            await outbox_drained()  # the known address's mail is out before the next request is timed
    return Timing(times[KNOWN], times[UNKNOWN])
