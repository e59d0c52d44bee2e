"""A run's summary (the JSON bench/run.py writes) and its printed table.

``report`` puts each figure against the floors measured in turns with it, judges issue 15's targets
(bench/targets15.py) and records when, where and how the run was made; ``print_table`` prints the figures,
the workers and busy-evening tables when the run has them, and both issues' targets.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import databases  # bench/databases.py
import evening  # bench/evening.py
import targets15  # bench/targets15.py
import targets26  # bench/targets26.py
import workers as worker_figures  # bench/workers.py

PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "uvloop", "httptools", "tortoise-orm")


def machine() -> dict[str, object]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in (*PACKAGES, "bcrypt", "pyjwt"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "packages": versions,
    }


def phase_of(name: str) -> str:
    """The suffix of the floors measured in turns with a figure of the later phases: ``_scale``, ``_workers2``."""
    if name.startswith("scale_") or name.endswith("_scale"):
        return "_scale"
    if name.startswith("workers"):
        return "_" + name.split("_", 1)[0]
    if name.startswith(("floor_workers", "floor_cached_workers")):
        return "_" + name.rsplit("_", 1)[1]
    return ""


def report(
    options: Any,
    results: dict[str, dict[str, float]],
    check_seconds: float,
    parallel: float,
    seeded: dict[str, float],
    elapsed: float,
) -> dict[str, object]:
    # Each figure against both floors measured in turns with it (user at small/large: the second run's).
    second = ("floor_2", "floor_cached_2", "user_small", "user_large", "users_query_small", "users_query_large")
    for name, result in results.items():
        for suffix, floor_name in (("floor", "floor"), ("floor_cached", "floor_cached")):
            floor = results[floor_name + ("_2" if name in second else phase_of(name))]
            result[f"rps_vs_{suffix}"] = result["rps"] / floor["rps"]
            result[f"p99_vs_{suffix}"] = result["p99_ms"] / floor["p99_ms"]
            if "server_cpu_ms_per_request" in result:
                result[f"cpu_vs_{suffix}"] = result["server_cpu_ms_per_request"] / floor["server_cpu_ms_per_request"]
    cores = os.cpu_count() or 1
    login_bound = cores / check_seconds
    targets = targets15.issue_targets(options, results, login_bound, parallel) if "login" in results else {}
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_1_5_15min_at_end": os.getloadavg(),
        "loader": options.loader,
        "database": options.database,
        "pooler": options.pooler,
        "settings": {
            "users": options.users,
            "small": options.small,
            "large": options.large,
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "connections": options.connections,
            "login_clients": options.flood,
            "bcrypt_rounds": options.bcrypt_rounds,
            "slices": options.slices,
        },
        "bcrypt_check_s": check_seconds,
        "login_bound_per_s": login_bound,
        "bcrypt_checks_per_s_on_all_cores_now": parallel,
        "logins_vs_checks_on_all_cores_now": results["login"]["rps"] / parallel if "login" in results else None,
        "seed_s": seeded,
        "elapsed_s": elapsed,
        "results": results,
        "targets": targets,
    }


def print_table(summary: dict[str, object]) -> None:
    results: dict[str, dict[str, float]] = summary["results"]  # type: ignore[assignment]
    print("\nx floor: the bare Strawberry app; x cached: the same with ParserCache and ValidationCache")
    database = str(summary["database"]) + ("" if summary["pooler"] == "none" else f"+{summary['pooler']}")
    if databases.SERVER_CPU[database]:
        print(f"DB ms/req: CPU of {databases.SERVER_CPU[database]} per request, beside the app's CPU ms/req")
    header = ("figure", "req/s", "x floor", "x cached", "p50 ms", "p99 ms", "CPU ms/req", "DB ms/req", "CPU/floor")
    width = max(24, *(len(name) for name in results))
    print(
        f"{{:{width}}} {{:>9}} {{:>8}} {{:>8}} {{:>8}} {{:>8}} {{:>10}} {{:>9}} {{:>9}} {{:>10}}".format(
            *header, "CPU/cached"
        )
    )
    for name, r in results.items():
        print(
            f"{name:{width}} {r['rps']:9.1f} {r['rps_vs_floor']:8.2f} {r['rps_vs_floor_cached']:8.2f} "
            f"{r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r.get('server_cpu_ms_per_request', math.nan):10.3f} "
            f"{r.get('db_cpu_ms_per_request', math.nan):9.3f} "
            f"{r.get('cpu_vs_floor', math.nan):9.2f} {r.get('cpu_vs_floor_cached', math.nan):10.2f}"
        )
    if summary["targets"]:  # the standard figures ran (not --extra-only)
        print(
            f"\nbcrypt check {summary['bcrypt_check_s'] * 1e3:.0f} ms at the configured cost: bound "
            f"{summary['login_bound_per_s']:.2f} logins/s on {os.cpu_count()} cores; the bench process itself did "
            f"{summary['bcrypt_checks_per_s_on_all_cores_now']:.2f} checks/s on {os.cpu_count()} threads just before; "
            f"loader {summary['loader']}; {summary['elapsed_s']:.0f} s"
        )
    if summary.get("workers"):
        worker_figures.print_table(results, summary["workers"])  # type: ignore[arg-type]
    if summary.get("evening"):
        evening_result: dict[str, Any] = summary["evening"]  # type: ignore[assignment]
        evening.print_figure(evening_result, evening_result["workers"])
    targets: dict[str, dict[str, object]] = summary["targets"]  # type: ignore[assignment]
    if targets:
        print("\ntargets (issue 15):")
    for name, target in targets.items():
        value = target["value"]
        if value is None:
            print(f"  not measured  {name}: {str(target['reason']).removeprefix('not measured: ')}")
            continue
        verdict = "met    " if target["met"] else "NOT MET"
        line = f"  {verdict}  {name}: {value:.2f} (limit {target['limit']:.2f})"
        print(line + (f": {target['reason']}" if target["reason"] else ""))
    targets26.print_targets(summary["targets_issue26"])  # type: ignore[arg-type]
