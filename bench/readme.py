"""``python bench/readme.py`` (``make bench-readme``): README's Performance figures, rendered from the bench's runs.

Reads whichever results files bench/run.py wrote in bench/results: the standard runs ``latest.json`` (SQLite),
``latest-postgres.json`` and ``latest-postgres-pgbouncer.json``, and the PostgreSQL runs of the extra modes
(``latest-postgres-million.json``, ``-workers``, ``-evening``, or any PostgreSQL run holding that mode's
figures: the newest is used). It writes, between README's ``<!-- bench:figures:start -->`` and
``<!-- bench:figures:end -->`` and nowhere else: the runs (when, machine, loader), a table with the
databases side by side and the chart beside it, the million-account figures, WORKERS=1 against 2 with where
the CPU goes, the busy evening, and issue 26's targets. It draws the chart (docs/bench.svg, bench/chart.py)
from the standard runs. A missing file is said in the text, with the command that writes it, so the text is
always true of what was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import chart  # noqa: E402 - bench/chart.py

START = "<!-- bench:figures:start -->"
END = "<!-- bench:figures:end -->"
TIMES = "\N{MULTIPLICATION SIGN}"
DASH = "\N{EN DASH}"
Summary = dict[str, Any]


@dataclass(frozen=True)
class Run:
    """A standard run: its file, its column heading, the command that writes the file."""

    file: str
    title: str
    command: str


RUNS = (
    Run("latest.json", "SQLite", "make bench"),
    Run("latest-postgres.json", "PostgreSQL", "make bench BENCH_ARGS='--database postgres'"),
    Run(
        "latest-postgres-pgbouncer.json",
        "PostgreSQL through PgBouncer",
        "make bench BENCH_ARGS='--database postgres --pooler pgbouncer'",
    ),
)
# The extra modes: the file an --extra-only run of that mode writes, the command, and the summary's key.
MODES = {
    "million": (
        "latest-postgres-million.json",
        "make bench BENCH_ARGS='--database postgres --users 1000000 --extra-only'",
        "scale",
    ),
    "workers": (
        "latest-postgres-workers.json",
        "make bench BENCH_ARGS='--database postgres --workers 1,2 --extra-only'",
        "workers",
    ),
    "evening": (
        "latest-postgres-evening.json",
        "make bench BENCH_ARGS='--database postgres --evening --extra-only'",
        "evening",
    ),
}


def _standard_labels(settings: dict[str, Any]) -> dict[str, str]:
    """The standard figures shown, in order, as README names them (sizes from the run's settings)."""
    users, small, large = (f"{settings.get(key, 0):,}" for key in ("users", "small", "large"))
    clients = settings.get("login_clients", 16)
    return {
        "floor": "floor: `{ hello }` on bare Strawberry",
        "floor_cached": "cached floor: the same with parser and validation caches",
        "me": f"`me`, random users of {users}",
        "me_persisted": "`me` as a persisted query (by hash)",
        "user": f"`user(userName:)`, random users of {users}",
        "users_query": "`users(query:)`, a page of 20",
        "users_query_framework": "that `users(query:)` document from memory (cached floor)",
        "followers_page": "a followers page of 20 with `viewerRelationship`",
        "followers_page_framework": "that followers page's document from memory (cached floor)",
        "login": f"`login`, {clients} clients",
        "me_during_login_flood": f"`me` while {clients} clients log in",
        "user_small": f"`user(userName:)` at {small} users",
        "user_large": f"`user(userName:)` at {large} users",
        "users_query_small": f"`users(query:)` at {small} users, one match",
        "users_query_large": f"`users(query:)` at {large} users, one match",
    }


SCALE_FIGURES = {
    "user": "`user(userName:)`",
    "directory": "directory prefix search (11 matches)",
    "followers_first": "first followers page of 20",
    "followers_deep": "followers page {page} of 20, by cursor",
}
WORKER_FIGURES = {"me": "`me`", "user": "`user(userName:)`", "followers_page": "followers page"}


# --- reading -------------------------------------------------------------------------------------------------


def load(path: Path) -> Summary | None:
    """A results file's summary, or None when it is missing or not a bench run's JSON."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("results"), dict) else None


def _is_direct_postgres(summary: Summary) -> bool:
    return summary.get("database") == "postgres" and summary.get("pooler", "none") == "none"


def mode_run(results: Path, mode: str) -> tuple[str, Summary] | None:
    """The newest direct PostgreSQL run holding ``mode``'s figures: its own file first, else any latest-postgres*."""
    file, _, key = MODES[mode]
    found = []
    for path in sorted({results / file, *results.glob("latest-postgres*.json")}):
        summary = load(path)
        if summary is not None and _is_direct_postgres(summary) and summary.get(key):
            found.append((str(summary.get("when", "")), path.name == file, path.name, summary))
    if not found:
        return None
    _, _, name, summary = max(found, key=lambda each: (each[0], each[1]))
    return name, summary


# --- formatting ----------------------------------------------------------------------------------------------


def _number(value: object, digits: int = 2) -> str:
    if not isinstance(value, int | float):
        return DASH
    return f"{value:,.{digits}f}"


def _rps(value: object) -> str:
    return _number(value, 0 if isinstance(value, int | float) and value >= 100 else 1)


def _when(summary: Summary) -> str:
    try:
        return datetime.fromisoformat(str(summary["when"])).strftime("%Y-%m-%d %H:%M UTC")
    except (KeyError, ValueError):
        return "an unknown time"


def _missing(file: str, command: str) -> str:
    return f"*Not measured: no `bench/results/{file}`; `{command}` writes it.*"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    align = ["---"] * left + ["---:"] * (len(header) - left)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def describe(name: str, summary: Summary) -> str:
    """One line on a run: the file, the database, when, the machine, the loader, the run's knobs."""
    machine = summary.get("machine") or {}
    settings = summary.get("settings") or {}
    database = str(summary.get("database", "?")) + (
        "" if summary.get("pooler", "none") == "none" else f" through {summary['pooler']}"
    )
    load = summary.get("load_average_1_5_15min_at_end") or []
    parts = [
        f"`bench/results/{name}`: {database}, {_when(summary)}",
        f"{machine.get('cores', '?')} cores {machine.get('cpu', '')}".rstrip(),
        f"Python {machine.get('python', '?')}",
        f"loader {summary.get('loader', '?')}",
        f"{settings.get('duration_s', '?')} s a figure in {settings.get('slices', '?')} slice"
        + ("" if settings.get("slices") == 1 else "s")
        + f", {settings.get('connections', '?')} connections",
    ]
    if load:
        parts.append(f"load average {float(load[0]):.1f} at the end")
    return "- " + ", ".join(parts)


# --- the sections --------------------------------------------------------------------------------------------


def standard_table(runs: Sequence[tuple[Run, Summary]]) -> list[str]:
    """The standard figures, the runs side by side: req/s, x floor, the app's CPU per request, and the database
    server's beside it where the run measured it."""
    labels = _standard_labels(runs[0][1].get("settings") or {})
    header = ["figure"]
    columns: list[tuple[Summary, str]] = []
    for run, summary in runs:
        header += [f"{run.title} req/s", f"{TIMES} floor", "CPU ms/req"]
        columns += [(summary, "rps"), (summary, "rps_vs_floor"), (summary, "server_cpu_ms_per_request")]
        if summary.get("database") != "sqlite":
            header.append("DB ms/req")
            columns.append((summary, "db_cpu_ms_per_request"))
    rows = []
    for name, label in labels.items():
        if not any(name in summary["results"] for summary, _ in columns):
            continue
        row = [label]
        for summary, key in columns:
            figure = summary["results"].get(name) or {}
            if key == "rps":
                row.append(_rps(figure.get(key)))
            elif key == "rps_vs_floor" and name.startswith("login"):
                row.append(DASH)  # bcrypt's figure: its bound is the cores, not the floor
            else:
                row.append(_number(figure.get(key), 2 if key == "rps_vs_floor" else 3))
        rows.append(row)
    return _table(header, rows)


def million_section(found: tuple[str, Summary] | None) -> list[str]:
    title = "**A million accounts**"
    if found is None:
        file, command, _ = MODES["million"]
        return [f"{title}: " + _missing(file, command)]
    name, summary = found
    size = summary["scale"]
    small, large, page = size["small"], size["large"], size["deep_page"]
    results = summary["results"]
    seeded = (summary.get("seed_s") or {}).get(str(large))
    lines = [
        f"{title} (`bench/results/{name}`, {summary.get('database')}): each figure at {small:,} and at {large:,} "
        f"users, in turns, beside the floor; the large one's account followed by {size['star_followers']:,}"
        + (f"; seeding {large:,} users took {seeded:.0f} s" if isinstance(seeded, int | float) else "")
        + ". Issue 26 asks for small req/s ÷ large req/s ≤ 1.3.",
        "",
    ]
    header = [
        "figure",
        f"req/s at {small:,}",
        f"{TIMES} floor",
        f"req/s at {large:,}",
        f"{TIMES} floor",
        "small ÷ large",
        f"CPU ms/req at {small:,} → {large:,}",
        f"DB ms/req at {small:,} → {large:,}",
    ]
    rows = []
    for figure, label in SCALE_FIGURES.items():
        at_small = results.get(f"scale_{figure}_{small}")
        at_large = results.get(f"scale_{figure}_{large}")
        if at_small is None or at_large is None:
            continue
        ratio = at_small["rps"] / at_large["rps"]
        rows.append(
            [
                label.format(page=page),
                _rps(at_small["rps"]),
                _number(at_small.get("rps_vs_floor")),
                _rps(at_large["rps"]),
                _number(at_large.get("rps_vs_floor")),
                f"{ratio:.2f} ({'met' if ratio <= 1.3 else '**not met**'})",
                f"{_number(at_small.get('server_cpu_ms_per_request'), 3)} → "
                f"{_number(at_large.get('server_cpu_ms_per_request'), 3)}",
                f"{_number(at_small.get('db_cpu_ms_per_request'), 3)} → "
                f"{_number(at_large.get('db_cpu_ms_per_request'), 3)}",
            ]
        )
    return lines + _table(header, rows)


def workers_section(found: tuple[str, Summary] | None, cores: int) -> list[str]:
    title = "**WORKERS=1 and 2**"
    if found is None:
        file, command, _ = MODES["workers"]
        return [f"{title}: " + _missing(file, command)]
    name, summary = found
    counts = summary["workers"]
    results = summary["results"]
    lines = [
        f"{title} (`bench/results/{name}`, {summary.get('database')} with Redis): where the time goes on this "
        f"{cores}-core machine, as CPU ms per request and as cores kept busy (ms/req {TIMES} req/s) by the app's "
        "processes, the database server and the load generator. When the three add up to the cores, the "
        "machine sets the pace, not the app.",
        "",
    ]
    header = ["figure", "workers", "req/s", f"{TIMES} floor", "p50 ms", "p99 ms", "app ms", "DB ms", "loader ms"]
    header.append("cores busy: app / DB / loader")
    rows = []
    for figure, label in WORKER_FIGURES.items():
        for count in counts:
            r = results.get(f"workers{count}_{figure}")
            if r is None:
                continue
            spent = [r.get(key, 0.0) for key in ("server_cpu_ms_per_request", "db_cpu_ms_per_request")]
            spent.append(r.get("loader_cpu_ms_per_request", 0.0))
            busy = " / ".join(f"{ms * r['rps'] / 1e3:.2f}" for ms in spent)
            rows.append(
                [
                    label,
                    str(count),
                    _rps(r["rps"]),
                    _number(r.get("rps_vs_floor")),
                    _number(r["p50_ms"], 1),
                    _number(r["p99_ms"], 1),
                    *(_number(ms, 3) for ms in spent),
                    busy,
                ]
            )
    return lines + _table(header, rows, left=2)


def evening_section(found: tuple[str, Summary] | None) -> list[str]:
    title = "**A busy evening**"
    if found is None:
        file, command, _ = MODES["evening"]
        return [f"{title}: " + _missing(file, command)]
    name, summary = found
    evening = summary["evening"]
    total = max(1, int(evening["requests"]))
    cpu = ", ".join(
        f"{what} {evening[key]:.3f} ms"
        for what, key in (
            ("the app", "server_cpu_ms_per_request"),
            ("the database server", "db_cpu_ms_per_request"),
            ("the loader", "loader_cpu_ms_per_request"),
        )
        if key in evening
    )
    lines = [
        f"{title} (`bench/results/{name}`, {summary.get('database')}, {evening['workers']} workers, "
        f"{evening['connections']} connections): {evening['rps']:,.0f} req/s in all, {evening['requests']:,} "
        f"requests, **{evening['errors']} errors**" + (f"; CPU per request: {cpu}" if cpu else "") + ".",
        "",
    ]
    rows = [
        [
            kind,
            f"{100 * figure['requests'] / total:.1f}%",
            _rps(figure["rps"]),
            _number(figure["p50_ms"], 1),
            _number(figure["p99_ms"], 1),
            str(figure["errors"]),
        ]
        for kind, figure in evening["kinds"].items()
    ]
    return lines + _table(["kind", "share of requests", "req/s", "p50 ms", "p99 ms", "errors"], rows)


def targets_section(used: Sequence[tuple[str, Summary]], chart_drawn: str | None) -> list[str]:
    """Issue 26's targets over every run used: each judged by the newest run that measured it, else said not
    measured with the command that measures it."""
    judged: dict[str, tuple[str, str, dict[str, Any]]] = {}
    unjudged: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for name, summary in used:
        for target, verdict in (summary.get("targets_issue26") or {}).items():
            # Judged: the newest run. Not measured: the newest standard run's reason, which names the command
            # (an --extra-only run says only that it did not load the figure).
            standard = name in {run.file for run in RUNS}
            entry = (str(summary.get("when", "")), name, verdict)
            place, rank = (
                (judged, entry[0]) if verdict.get("met") is not None else (unjudged, f"{standard:d}{entry[0]}")
            )
            if target not in place or rank > place[target][0]:
                place[target] = (rank, name, verdict)
    order = list(dict.fromkeys(target for _, summary in used for target in summary.get("targets_issue26") or {}))
    if any("users within" in target for target in judged):  # the million run judged each figure on its own
        order = [target for target in order if target in judged or not target.startswith("a million accounts")]
    rows = []
    for target in order:
        if target == "the figures drawn as a chart" and chart_drawn:
            rows.append([target, "met", DASH, f"`make bench-readme` drew {chart_drawn}", DASH])
            continue
        if target in judged:
            _, name, verdict = judged[target]
            shown = "met" if verdict["met"] else "**not met**"
            value = f"{_number(verdict['value'])} (limit {_number(verdict['limit'])})"
        else:
            _, name, verdict = unjudged[target]
            shown, value = "not measured", DASH
        rows.append([target, shown, value, str(verdict.get("reason", "")).replace("|", "\\|"), f"`{name}`"])
    if not rows:
        return ["**Issue 26's targets**: *not judged: no results file above.*"]
    header = ["target", "verdict", "value", "why", "run"]
    return ["**Issue 26's targets**, each from the newest run that judged it:", "", *_table(header, rows, left=5)]


# --- the whole block -----------------------------------------------------------------------------------------


def render(results: Path, chart_link: str | None, draw: Callable[[list[Summary]], str | None] | None = None) -> str:
    """The Markdown between the markers. ``draw`` draws the chart of the standard runs and says where (or None);
    ``chart_link`` is its path as README links it."""
    standard = [(run, summary) for run in RUNS if (summary := load(results / run.file)) is not None]
    modes = {mode: mode_run(results, mode) for mode in MODES}
    used: list[tuple[str, Summary]] = [(run.file, summary) for run, summary in standard]
    for found in modes.values():
        if found is not None and found[0] not in {name for name, _ in used}:
            used.append(found)
    cores = next((int(s["machine"]["cores"]) for _, s in used if (s.get("machine") or {}).get("cores")), 2)
    drawn = draw([summary for _, summary in standard]) if draw is not None and standard else None
    lines = [
        "<!-- Rendered by `make bench-readme` (bench/readme.py) from bench/results/latest*.json; rerun it rather "
        "than edit this. -->",
        "",
        "Runs:",
        "",
    ]
    lines += [describe(name, summary) for name, summary in used]
    lines += [f"- {_missing(run.file, run.command)}" for run in RUNS if run not in {r for r, _ in standard}]
    lines.append("")
    if standard:
        if drawn and chart_link:
            lines += [f"![req/s {TIMES} floor per figure and database, from the runs above]({chart_link})", ""]
        lines += standard_table(standard)
    else:
        lines.append("*No standard run yet: no table and no chart.*")
    for section in (
        million_section(modes["million"]),
        workers_section(modes["workers"], cores),
        evening_section(modes["evening"]),
        targets_section(used, drawn),
    ):
        lines += ["", *section]
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """``text`` with what lies between the markers replaced by ``block``; everything else as it was."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"README needs {START} and then {END} in its Performance section")
    return text[: start + len(START)] + "\n" + block + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results", help="(bench/results)")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md", help="(README.md)")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "bench.svg", help="(docs/bench.svg)")
    parser.add_argument("--print", action="store_true", help="print the block instead of writing README and chart")
    args = parser.parse_args(argv)
    link = Path(os.path.relpath(args.chart, args.readme.resolve().parent)).as_posix()

    drawn: list[Path] = []

    def draw(summaries: list[Summary]) -> str | None:
        if not args.print:
            chart.write(args.chart, summaries)
            drawn.append(args.chart)
        return link

    block = render(args.results, link, draw)
    if args.print:
        print(block, end="")
        return 0
    try:
        updated = replace_block(args.readme.read_text(), block)
    except (OSError, ValueError) as exc:
        print(f"bench-readme: {exc}", file=sys.stderr)
        return 1
    args.readme.write_text(updated)
    print(" and ".join(f"wrote {path}" for path in [args.readme, *drawn]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
