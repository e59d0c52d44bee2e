"""`make bench` on PostgreSQL and MySQL (``--database``): the databases of the run's own are created, used,
and dropped afterwards, also when the run is interrupted; each app figure shows the database server's CPU
per request beside the app's; ``--pooler pgbouncer`` serves the same figures through a PgBouncer it starts."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.processes.test_bench import FIGURES, TINY
from tests.support.servers import ROOT, free_port

CREATED = re.compile(r"created the database (bench_\w+) on ")
# Figures served by the app (the others are the floors, which have no database).
FLOORS = {"floor", "floor_cached", "floor_2", "floor_cached_2", "users_query_framework", "followers_page_framework"}


def server_url(variable: str) -> str:
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"the bench's {variable.split('_')[1].lower()} run needs a server: set {variable} (.ci/run does)")
    return url


def bench(tmp_path: Path, database: str, *more: str) -> list[str]:
    return [
        sys.executable, "bench/run.py", *TINY, "--port", str(free_port(5)),
        "--out", str(tmp_path / "bench.json"), "--database", database, *more,
    ]  # fmt: skip


def postgres_databases(url: str) -> set[str]:
    import asyncpg

    async def names() -> set[str]:
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return {row["datname"] for row in await connection.fetch("SELECT datname FROM pg_database")}
        finally:
            await connection.close()

    return asyncio.run(names())


def mysql_databases(url: str) -> set[str]:
    server = urlsplit(url)
    command = ["mariadb", "-h", server.hostname or "127.0.0.1", "-P", str(server.port or 3306), "-N"]
    command += ["-u", server.username or "root"] + ([f"-p{server.password}"] if server.password else [])
    shown = subprocess.run([*command, "-e", "SHOW DATABASES"], capture_output=True, text=True, check=True)  # noqa: S603
    return set(shown.stdout.split())


@pytest.mark.parametrize("pooler", ["none", "pgbouncer"])
def test_on_postgresql_each_app_figure_shows_the_database_servers_cpu_and_the_databases_are_dropped(
    tmp_path: Path, pooler: str
) -> None:
    url = server_url("TEST_POSTGRES_URL")
    env = {**os.environ, "BENCH_POSTGRES_URL": url}
    command = bench(tmp_path, "postgres", "--pooler", pooler)

    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode == 0, result.stderr[-3000:]
    created = CREATED.findall(result.stderr)
    assert len(created) == 3, result.stderr  # --small, --users, --large
    assert not set(created) & postgres_databases(url)
    figures = json.loads((tmp_path / "bench.json").read_text())["results"]
    assert set(figures) == FIGURES
    for name, figure in figures.items():
        if name in FLOORS or name == "login_during_flood":  # the flood's server also answered `me`
            assert "db_cpu_ms_per_request" not in figure, name
        else:
            assert figure["db_cpu_ms_per_request"] >= 0, name
    assert sum(figure.get("db_cpu_ms_per_request", 0) for figure in figures.values()) > 0
    assert "DB ms/req: CPU of the PostgreSQL backends serving the bench's database" in result.stdout
    assert ("and of PgBouncer" in result.stdout) == (pooler == "pgbouncer")
    assert ("through pgbouncer" in result.stderr) == (pooler == "pgbouncer")
    me = next(line for line in result.stdout.splitlines() if line.startswith("me "))
    assert f"{figures['me']['db_cpu_ms_per_request']:9.3f}" in me


def test_an_interrupted_run_on_mysql_drops_its_databases(tmp_path: Path) -> None:
    url = server_url("TEST_MYSQL_URL")
    env = {**os.environ, "BENCH_MYSQL_URL": url}
    # As Ctrl-C in a terminal: SIGINT with its default handling (a background shell job would ignore it).
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        bench(tmp_path, "mysql"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "both floors" in line:  # seeded, the servers up: the first figure is being measured
            process.send_signal(signal.SIGINT)
            break
    _, rest = process.communicate(timeout=120)
    stderr = "".join(seen) + rest

    assert process.returncode == 130, stderr[-3000:]
    assert "bench: interrupted" in stderr
    created = CREATED.findall(stderr)
    assert len(created) == 3, stderr
    assert not set(created) & mysql_databases(url)
