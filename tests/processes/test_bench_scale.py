"""Issue 26's bench modes at a tiny size, so none rots unnoticed: the million-account figures (here 200 users
against 100) with the chart, and the workers and busy-evening figures (on PostgreSQL and Redis where the
suite has them, as operators run them; on SQLite too). Each run is ``--extra-only``: the standard figures are
test_bench.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import BACKENDS
from tests.support.servers import ROOT, free_port

QUICK = [
    "--duration", "0.5", "--warmup", "0.2", "--slices", "1", "--loader", "python", "--connections", "4",
    "--bcrypt-rounds", "4", "--small", "30", "--large", "120", "--extra-only",
]  # fmt: skip
SVG = "{http://www.w3.org/2000/svg}"
SCALE_FIGURES = ("user", "directory", "followers_first", "followers_deep")


def _bench(tmp_path: Path, *more: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "bench/run.py", *QUICK, "--port", str(free_port(5)), "--out", str(tmp_path / "b.json")]
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [*command, *more], cwd=ROOT, env=env or dict(os.environ), capture_output=True, text=True, timeout=120
    )


def _issue26(stdout: str) -> list[str]:
    return stdout.split("\ntargets (issue 26):\n", 1)[1].splitlines()


def test_the_million_mode_measures_each_figure_at_both_sizes_judges_each_and_draws_the_chart(tmp_path: Path) -> None:
    chart = tmp_path / "docs" / "bench.svg"

    result = _bench(
        tmp_path, "--users", "200", "--scale-from", "100", "--star-followers", "150", "--deep-page", "3",
        "--chart", str(chart),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "b.json").read_text())
    figures = summary["results"]
    assert summary["scale"] == {"small": 100, "large": 200, "star_followers": 150, "deep_page": 3}
    measured = {f"scale_{figure}_{size}" for figure in SCALE_FIGURES for size in (100, 200)}
    assert set(figures) == measured | {"floor_scale", "floor_cached_scale"}
    for name in measured:
        assert figures[name]["requests"] > 0, name
        assert (figures[name]["bad_answers"], figures[name]["socket_errors"]) == (0, 0), name
    printed = _issue26(result.stdout)
    labels = {
        "user": "user(userName:)",
        "directory": "directory prefix search",
        "followers_first": "first followers page",
        "followers_deep": "followers page 3 of 20",
    }
    for figure, label in labels.items():
        name = next(name for name in summary["targets_issue26"] if name.startswith(label))
        target = summary["targets_issue26"][name]
        small, large = figures[f"scale_{figure}_100"]["rps"], figures[f"scale_{figure}_200"]["rps"]
        assert name.endswith("at 200 users within 1.3x of at 100 (ratio large/small)")
        assert target["value"] == pytest.approx(small / large)
        verdict = "met    " if small / large <= 1.3 else "NOT MET"
        assert [line for line in printed if line.startswith(f"  {verdict}  {name}: ")], (name, printed)
    assert "not measured  a million accounts" not in result.stdout
    # The chart: valid SVG, one bar per figure drawn (the floors are the 1x line, not bars).
    root = ET.fromstring(chart.read_text())  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    assert sorted(bar.get("data-figure") for bar in bars) == sorted(measured)
    longest = max(2.0, *(figures[name]["rps_vs_floor"] for name in measured))
    for bar in bars:
        expected = figures[str(bar.get("data-figure"))]["rps_vs_floor"]
        assert bar.get("data-database") == "sqlite"
        assert float(str(bar.get("width"))) == pytest.approx(max(expected / longest * 420, 0.5), abs=0.06)


def _workers_backends() -> list[str]:
    """SQLite and PostgreSQL (the database of the issue's several-workers and busy-evening figures): with two
    workers on one SQLite file too, the busy evening answers without an error (README's Deploying, Workers)."""
    return [backend for backend in BACKENDS if backend != "mysql"]


@pytest.mark.parametrize("backend", _workers_backends())
def test_workers_side_by_side_and_a_busy_evening_with_no_error(tmp_path: Path, backend: str) -> None:
    env = dict(os.environ)
    more = [
        "--users",
        "40",
        "--duration",
        "1",
        "--workers",
        "1,2",
        "--evening",
        "--redis",
        env.get("TEST_REDIS_URL") or "none",
    ]
    if backend == "postgres":
        env["BENCH_POSTGRES_URL"] = os.environ["TEST_POSTGRES_URL"]
        more += ["--database", "postgres"]

    result = _bench(tmp_path, *more, env=env)

    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "b.json").read_text())
    figures = summary["results"]
    for count in (1, 2):
        for figure in ("me", "user", "followers_page"):
            measured = figures[f"workers{count}_{figure}"]
            assert measured["requests"] > 0
            assert measured["server_cpu_ms_per_request"] > 0  # the app's processes, its workers included
            assert measured["loader_cpu_ms_per_request"] > 0
            assert ("db_cpu_ms_per_request" in measured) == (backend == "postgres")
    table = result.stdout.split("\nworkers, side by side:", 1)[1]
    assert [line for line in table.splitlines() if line.startswith("me ") and line.split()[1] == "2"]
    evening = summary["evening"]
    assert evening["workers"] == 2
    assert evening["errors"] == 0
    assert set(evening["kinds"]) == {
        "me/profile",
        "followers page",
        "directory search",
        "follow/unfollow",
        "login/refresh",
    }
    assert evening["kinds"]["me/profile"]["requests"] > evening["kinds"]["followers page"]["requests"] > 0
    assert "busy evening: 2 workers" in result.stdout
    verdict = "met    " if backend == "postgres" else "NOT MET"
    assert [line for line in _issue26(result.stdout) if line.startswith(f"  {verdict}  busy evening on PostgreSQL")]
