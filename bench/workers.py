"""Several workers (``--workers 1,2``): the same reads with ``WORKERS=1`` and ``WORKERS=2`` (and Redis for the
throttles, as a deployment of several workers needs), side by side, with where the machine's time goes: the
app's processes (uvicorn's parent and its workers), the database server's backends, and the load generator,
each read from ``/proc`` (the loader's from its own resource usage when it exits), per request and as cores
kept busy, so an operator can size a deployment from it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

FIGURES = ("me", "user", "followers_page")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (uvicorn's workers, their spawn helpers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def name(workers: int, figure: str) -> str:
    return f"workers{workers}_{figure}"


def environment(workers: int, redis_url: str | None) -> dict[str, str]:
    return {"WORKERS": str(workers), **({"REDIS_URL": redis_url} if redis_url else {})}


def print_table(results: dict[str, dict[str, Any]], counts: list[int]) -> None:
    cores = os.cpu_count() or 1
    print(
        f"\nworkers, side by side: where the time goes on this {cores}-core machine "
        "(CPU ms per request, and cores busy)"
    )
    header = ("figure", "workers", "req/s", "p50 ms", "p99 ms", "app ms", "DB ms", "loader ms", "app cores")
    print(
        "{:16} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>12}".format(*header, "DB cores", "loader cores")
    )
    for figure in FIGURES:
        for count in counts:
            r = results.get(name(count, figure))
            if r is None:
                continue
            app, db, loader = (
                r.get("server_cpu_ms_per_request", 0.0),
                r.get("db_cpu_ms_per_request", 0.0),
                r.get("loader_cpu_ms_per_request", 0.0),
            )
            busy = [ms * r["rps"] / 1e3 for ms in (app, db, loader)]
            print(
                f"{figure:16} {count:7d} {r['rps']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {app:8.3f} {db:8.3f} "
                f"{loader:9.3f} {busy[0]:9.2f} {busy[1]:9.2f} {busy[2]:12.2f}"
            )
    print(
        "  cores busy = CPU ms per request x req/s; their sum near the core count means the machine, not the app, "
        "sets the pace"
    )
