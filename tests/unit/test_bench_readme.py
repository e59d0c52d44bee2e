"""``make bench-readme`` (bench/readme.py): README's Performance figures rendered from the bench's results files.

The fixtures are small summaries shaped as bench/run.py writes them (taken from tiny real runs, trimmed): the
rendered rows must hold the figures of the JSON, a results file not written yet must be said, and only the text
between the two markers may change.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from bench import readme

MACHINE = {"cpu": "AMD EPYC", "cores": 2, "python": "3.11.7", "system": "Linux", "packages": {}}
SETTINGS = {"users": 10_000, "small": 1_000, "large": 100_000, "duration_s": 8.0, "slices": 4, "connections": 16}
SETTINGS |= {"warmup_s": 2.0, "login_clients": 16, "bcrypt_rounds": 12}
TIMES, DASH = readme.TIMES, readme.DASH  # as README prints them
NOT_MEASURED = {"value": None, "limit": None, "op": "", "met": None}


def figure(rps: float, vs_floor: float, cpu: float, db: float | None = None, **more: float) -> dict[str, float]:
    found = {"requests": int(rps * 8), "rps": rps, "rps_vs_floor": vs_floor, "server_cpu_ms_per_request": cpu}
    found |= {"p50_ms": 9.5, "p99_ms": 41.25, "loader_cpu_ms_per_request": 0.125, **more}
    if db is not None:
        found["db_cpu_ms_per_request"] = db
    return found


def summary(database: str, when: str, results: dict[str, Any], pooler: str = "none", **more: Any) -> dict[str, Any]:
    return {
        "when": when,
        "machine": MACHINE,
        "load_average_1_5_15min_at_end": [1.25, 1.0, 1.0],
        "loader": "wrk",
        "database": database,
        "pooler": pooler,
        "settings": SETTINGS,
        "seed_s": {},
        "results": results,
        "targets": {},
        "scale": None,
        "workers": [],
        "evening": None,
        "targets_issue26": {},
        **more,
    }


def sqlite_run() -> dict[str, Any]:
    return summary(
        "sqlite",
        "2026-12-08T05:00:00+00:00",
        {
            "floor": figure(876.0, 1.0, 1.14),
            "me": figure(1621.4, 1.85, 0.62),
            "user": figure(1483.0, 1.69, 0.68),
            "followers_page": figure(248.0, 0.28, 4.08),
            "login": figure(7.5, 0.01, 263.0),
        },
        targets_issue26={
            "SQLite: followers page of 20 with viewerRelationship req/s >= 0.6x floor": {
                "value": 0.28,
                "limit": 0.6,
                "op": ">=",
                "met": False,
                "reason": "followers page: 248 req/s",
            },
            "PostgreSQL: me req/s >= 1.7x floor": NOT_MEASURED | {"reason": "measured by a PostgreSQL run"},
            "the figures drawn as a chart": NOT_MEASURED | {"reason": "drawn by --chart"},
        },
    )


def postgres_run() -> dict[str, Any]:
    return summary(
        "postgres",
        "2026-12-08T05:10:00+00:00",
        {
            "floor": figure(900.0, 1.0, 1.1),
            "me": figure(1530.0, 1.7, 0.71, db=0.402),
            "user": figure(1300.0, 1.444, 0.79, db=0.455),
        },
        targets_issue26={
            "SQLite: followers page of 20 with viewerRelationship req/s >= 0.6x floor": NOT_MEASURED
            | {"reason": "measured by the plain SQLite `make bench`"},
            "PostgreSQL: me req/s >= 1.7x floor": {
                "value": 1.7,
                "limit": 1.7,
                "op": ">=",
                "met": True,
                "reason": "me: 1530 req/s",
            },
            "the figures drawn as a chart": NOT_MEASURED | {"reason": "drawn by --chart"},
        },
    )


def million_run() -> dict[str, Any]:
    results = {
        "floor_scale": figure(880.0, 1.0, 1.1),
        "scale_user_10000": figure(1400.0, 1.59, 0.7, db=0.4),
        "scale_user_1000000": figure(1250.0, 1.42, 0.74, db=0.5),
        "scale_followers_deep_10000": figure(300.0, 0.34, 3.1, db=1.2),
        "scale_followers_deep_1000000": figure(200.0, 0.23, 3.3, db=2.4),
    }
    scale = {"small": 10_000, "large": 1_000_000, "star_followers": 100_000, "deep_page": 500}
    return summary("postgres", "2026-12-08T06:00:00+00:00", results, scale=scale, seed_s={"1000000": 241.7})


def workers_run() -> dict[str, Any]:
    results = {
        "floor_workers1": figure(880.0, 1.0, 1.1),
        "workers1_me": figure(1500.0, 1.7, 0.7, db=0.4, loader_cpu_ms_per_request=0.2),
        "workers2_me": figure(2100.0, 2.1, 0.75, db=0.41, loader_cpu_ms_per_request=0.2),
    }
    return summary("postgres", "2026-12-08T06:30:00+00:00", results, workers=[1, 2])


def evening_run() -> dict[str, Any]:
    kinds = {
        "me/profile": {"requests": 800, "rps": 400.0, "p50_ms": 8.25, "p99_ms": 30.5, "errors": 0},
        "followers page": {"requests": 100, "rps": 50.0, "p50_ms": 20.0, "p99_ms": 75.0, "errors": 0},
        "login/refresh": {"requests": 100, "rps": 50.0, "p50_ms": 250.0, "p99_ms": 900.0, "errors": 0},
    }
    evening = {"workers": 2, "connections": 16, "requests": 1000, "rps": 500.0, "errors": 0, "kinds": kinds}
    evening |= {"duration_s": 2.0, "server_cpu_ms_per_request": 1.5, "db_cpu_ms_per_request": 0.6}
    return summary("postgres", "2026-12-08T07:00:00+00:00", {}, evening=evening)


def write(folder: Path, **files: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / f"{name.replace('_', '-')}.json").write_text(json.dumps(content))
    return folder


def row(block: str, label: str) -> list[str]:
    """The cells of the table row whose first cell is ``label``."""
    found = [line for line in block.splitlines() if line.startswith(f"| {label} |")]
    assert len(found) == 1, (label, block)
    return [cell.strip() for cell in found[0].strip("|").split("|")]


def test_the_table_puts_each_databases_figures_side_by_side_as_the_json_holds_them(tmp_path: Path) -> None:
    results = write(tmp_path / "results", latest=sqlite_run(), latest_postgres=postgres_run())
    drawn: list[list[dict[str, Any]]] = []

    def draw(summaries: list[dict[str, Any]]) -> str:
        drawn.append(summaries)
        return "docs/bench.svg"

    block = readme.render(results, "docs/bench.svg", draw)

    header = row(block, "figure")
    assert header == [
        "figure",
        "SQLite req/s",
        f"{TIMES} floor",
        "CPU ms/req",
        "PostgreSQL req/s",
        f"{TIMES} floor",
        "CPU ms/req",
        "DB ms/req",
    ]
    assert row(block, "`me`, random users of 10,000")[1:] == [
        "1,621",
        "1.85",
        "0.620",
        "1,530",
        "1.70",
        "0.710",
        "0.402",
    ]
    assert row(block, "`user(userName:)`, random users of 10,000")[5:] == ["1.44", "0.790", "0.455"]
    # A figure one run has and the other has not: a dash, not a made-up number.
    assert row(block, "a followers page of 20 with `viewerRelationship`")[1:] == [
        "248",
        "0.28",
        "4.080",
        DASH,
        DASH,
        DASH,
        DASH,
    ]
    assert row(block, "`login`, 16 clients")[2] == DASH  # bcrypt's figure is not read against the floor
    assert [[run["database"] for run in summaries] for summaries in drawn] == [["sqlite", "postgres"]]
    assert f"![req/s {TIMES} floor per figure and database, from the runs above](docs/bench.svg)" in block
    assert "- `bench/results/latest-postgres.json`: postgres, 2026-12-08 05:10 UTC, 2 cores AMD EPYC" in block
    assert "loader wrk" in block


def test_a_results_file_not_written_yet_is_said_with_the_command_that_writes_it(tmp_path: Path) -> None:
    results = write(tmp_path / "results", latest=sqlite_run())

    block = readme.render(results, "docs/bench.svg")

    assert (
        "*Not measured: no `bench/results/latest-postgres.json`; `make bench BENCH_ARGS='--database postgres'` "
        "writes it.*"
    ) in block
    assert "no `bench/results/latest-postgres-pgbouncer.json`" in block
    for mode in ("million", "workers", "evening"):
        assert f"no `bench/results/latest-postgres-{mode}.json`" in block
    assert "PostgreSQL req/s" not in row(block, "figure")
    assert "](docs/bench.svg)" not in block  # nothing drawn: no link to a chart

    nothing = readme.render(write(tmp_path / "empty"), "docs/bench.svg")
    assert "*Not measured: no `bench/results/latest.json`; `make bench` writes it.*" in nothing
    assert "No standard run yet" in nothing


def test_the_million_workers_and_evening_figures_come_from_their_own_runs(tmp_path: Path) -> None:
    results = write(
        tmp_path / "results",
        latest_postgres_million=million_run(),
        latest_postgres_workers=workers_run(),
        latest_postgres_evening=evening_run(),
    )

    block = readme.render(results, "docs/bench.svg")

    assert "**A million accounts** (`bench/results/latest-postgres-million.json`, postgres)" in block
    assert "seeding 1,000,000 users took 242 s" in block
    assert row(block, "`user(userName:)`") == [
        "`user(userName:)`",
        "1,400",
        "1.59",
        "1,250",
        "1.42",
        "1.12 (met)",
        "0.700 → 0.740",
        "0.400 → 0.500",
    ]
    assert row(block, "followers page 500 of 20, by cursor")[5] == "1.50 (**not met**)"
    me_1, me_2 = [line for line in block.splitlines() if line.startswith("| `me` |")]
    assert me_1.split("|")[2:5] == [" 1 ", " 1,500 ", " 1.70 "]
    assert me_2.split("|")[2:5] == [" 2 ", " 2,100 ", " 2.10 "]
    assert me_2.rstrip(" |").endswith("1.57 / 0.86 / 0.42")  # cores busy: ms/req x req/s / 1000
    assert "500 req/s in all, 1,000 requests, **0 errors**" in block
    assert "the app 1.500 ms, the database server 0.600 ms" in block
    assert row(block, "me/profile") == ["me/profile", "80.0%", "400", "8.2", "30.5", "0"]
    assert row(block, "login/refresh")[3:5] == ["250.0", "900.0"]


def test_a_mode_run_within_a_standard_postgresql_run_serves_when_no_mode_file_exists(tmp_path: Path) -> None:
    combined = postgres_run() | {"evening": evening_run()["evening"]}
    results = write(
        tmp_path / "results",
        latest_postgres=combined,
        latest_postgres_pgbouncer=workers_run() | {"pooler": "pgbouncer"},
    )

    block = readme.render(results, "docs/bench.svg")

    assert "**A busy evening** (`bench/results/latest-postgres.json`, postgres, 2 workers" in block
    # PgBouncer's run is not a direct PostgreSQL one: its workers figures are not taken as the direct ones.
    assert "no `bench/results/latest-postgres-workers.json`" in block


def test_each_target_is_judged_by_the_run_that_measured_it(tmp_path: Path) -> None:
    results = write(tmp_path / "results", latest=sqlite_run(), latest_postgres=postgres_run())

    block = readme.render(results, "docs/bench.svg", lambda summaries: "docs/bench.svg")

    assert row(block, "PostgreSQL: me req/s >= 1.7x floor") == [
        "PostgreSQL: me req/s >= 1.7x floor",
        "met",
        "1.70 (limit 1.70)",
        "me: 1530 req/s",
        "`latest-postgres.json`",
    ]
    followers = row(block, "SQLite: followers page of 20 with viewerRelationship req/s >= 0.6x floor")
    assert followers[1:3] == ["**not met**", "0.28 (limit 0.60)"]
    assert followers[4] == "`latest.json`"
    assert row(block, "the figures drawn as a chart")[1:4] == ["met", DASH, "`make bench-readme` drew docs/bench.svg"]

    undrawn = readme.render(results, "docs/bench.svg")
    assert row(undrawn, "the figures drawn as a chart")[1:4] == ["not measured", DASH, "drawn by --chart"]


def test_a_target_no_run_judged_gives_the_standard_runs_reason_not_an_extra_runs(tmp_path: Path) -> None:
    cpu = "PostgreSQL: me app CPU ms/req within 15% of SQLite's"
    standard = postgres_run()
    standard["targets_issue26"][cpu] = NOT_MEASURED | {"reason": "needs a SQLite run's figures first"}
    extra = workers_run()  # newer, --extra-only: it did not load `me` at all
    extra["targets_issue26"] = {cpu: NOT_MEASURED | {"reason": "this run did not load it"}}
    results = write(tmp_path / "results", latest_postgres=standard, latest_postgres_workers=extra)

    block = readme.render(results, "docs/bench.svg")

    assert row(block, cpu)[1:] == [
        "not measured",
        DASH,
        "needs a SQLite run's figures first",
        "`latest-postgres.json`",
    ]


def test_only_the_text_between_the_markers_is_replaced() -> None:
    text = f"# Title\n\nbefore\n{readme.START}\nold figures\n{readme.END}\nafter\n"

    once = readme.replace_block(text, "new figures\n")
    twice = readme.replace_block(once, "new figures\n")

    assert once == f"# Title\n\nbefore\n{readme.START}\nnew figures\n{readme.END}\nafter\n"
    assert twice == once
    for broken in ("no markers\n", f"{readme.END}\n{readme.START}\n", f"{readme.START} only\n"):
        with pytest.raises(ValueError, match="bench:figures"):
            readme.replace_block(broken, "new figures\n")


def test_the_command_writes_readme_and_the_chart_and_refuses_a_readme_without_markers(tmp_path: Path) -> None:
    results = write(tmp_path / "results", latest=sqlite_run(), latest_postgres=postgres_run())
    page = tmp_path / "README.md"
    page.write_text(f"intro\n{readme.START}\n{readme.END}\nrest\n")
    svg = tmp_path / "docs" / "bench.svg"
    arguments = ["--results", str(results), "--readme", str(page), "--chart", str(svg)]

    assert readme.main(arguments) == 0

    written = page.read_text()
    assert written.startswith(f"intro\n{readme.START}\n")
    assert written.endswith(f"{readme.END}\nrest\n")
    assert "](docs/bench.svg)" in written
    bars = [
        (rect.get("data-figure"), rect.get("data-database"))
        for rect in ET.fromstring(svg.read_text()).iter("{http://www.w3.org/2000/svg}rect")  # noqa: S314
        if rect.get("class") == "bar"
    ]
    assert ("me", "sqlite") in bars
    assert ("me", "postgres") in bars

    page.write_text("no markers here\n")
    assert readme.main(arguments) == 1
    assert page.read_text() == "no markers here\n"
