"""The bench's figures as an SVG bar chart: one bar per figure and database, its length the figure's req/s as a
multiple of the floor (``{ hello }`` on bare Strawberry, served the same way in the same run), with a line at 1x.

``python bench/run.py --chart docs/bench.svg`` writes the chart of its own run; ``python bench/chart.py
sqlite.json postgres.json -o docs/bench.svg`` draws several runs' JSON (e.g. one per ``--database``) in one
chart, each figure's bars side by side. Plain SVG text: no plotting package.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# The figures drawn, in order: the floors themselves (1x by definition) and the framework's own answers are left out.
SKIPPED_PREFIXES = ("floor",)
SKIPPED = {"login", "login_during_flood", "users_query_framework", "followers_page_framework"}
COLOURS = {"sqlite": "#4e79a7", "postgres": "#f28e2b", "mysql": "#59a14f", "postgres+pgbouncer": "#e15759"}
ROW, BAR, LEFT, WIDTH, TOP = 18, 14, 300, 420, 40
TIMES = "\N{MULTIPLICATION SIGN}"


def label(summary: dict[str, Any]) -> str:
    pooler = summary.get("pooler", "none")
    return str(summary.get("database", "sqlite")) + ("" if pooler == "none" else f"+{pooler}")


def bars(summaries: Sequence[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """(figure, database, x floor) for every figure of every run, figures in the first run's order."""
    found: list[tuple[str, str, float]] = []
    order: list[str] = []
    for summary in summaries:
        for figure in summary["results"]:
            if figure not in order:
                order.append(figure)
    for figure in order:
        if figure in SKIPPED or figure.startswith(SKIPPED_PREFIXES):
            continue
        for summary in summaries:
            result = summary["results"].get(figure)
            if result is not None and "rps_vs_floor" in result:
                found.append((figure, label(summary), float(result["rps_vs_floor"])))
    return found


def svg(summaries: Sequence[dict[str, Any]]) -> str:
    drawn = bars(summaries)
    top = max([2.0, *(value for _, _, value in drawn)])
    scale = WIDTH / top
    height = TOP + ROW * len(drawn) + 30
    databases = list(dict.fromkeys(database for _, database, _ in drawn))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 60}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f"<title>make bench: req/s as a multiple of the floor, by figure and database ({escape(', '.join(databases))})"
        "</title>",
        f'<text x="4" y="14" font-size="13">req/s {TIMES} floor ({{ hello }} on bare Strawberry, same run)</text>',
    ]
    for n, database in enumerate(databases):
        x = LEFT + n * 110
        colour = COLOURS.get(database, "#999999")
        parts.append(f'<rect x="{x}" y="20" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="29">{escape(database)}</text>')
    previous = ""
    for n, (figure, database, value) in enumerate(drawn):
        y = TOP + n * ROW
        if figure != previous:
            parts.append(f'<text x="{LEFT - 6}" y="{y + BAR - 3}" text-anchor="end">{escape(figure)}</text>')
            previous = figure
        colour = COLOURS.get(database, "#999999")
        parts.append(
            f'<rect class="bar" data-figure="{escape(figure)}" data-database="{escape(database)}" x="{LEFT}" y="{y}" '
            f'width="{max(value * scale, 0.5):.1f}" height="{BAR}" fill="{colour}"/>'
        )
        parts.append(f'<text x="{LEFT + value * scale + 4:.1f}" y="{y + BAR - 3}">{value:.2f}{TIMES}</text>')
    one = LEFT + scale
    parts.append(
        f'<line x1="{one:.1f}" y1="{TOP - 4}" x2="{one:.1f}" y2="{TOP + ROW * len(drawn)}" stroke="#333" '
        'stroke-dasharray="3,3"/>'
    )
    parts.append(f'<text x="{one:.1f}" y="{height - 12}" text-anchor="middle">1{TIMES} floor</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write(path: Path, summaries: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg(summaries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="JSON written by bench/run.py --out")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the SVG to write, e.g. docs/bench.svg")
    args = parser.parse_args()
    write(args.out, [json.loads(path.read_text()) for path in args.results])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
