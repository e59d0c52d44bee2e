"""The bench's databases (``--database``): SQLite files in the run's folder, or databases of the run's own on the
local PostgreSQL or MariaDB/MySQL server, created for the run and dropped after it, even when it fails or is
interrupted (Ctrl-C, SIGTERM). Also: bulk seeding (``COPY`` on PostgreSQL, multi-row ``INSERT`` on MySQL), and
the database server's CPU time, so each figure can show it per request beside the app's.

The servers are reached as admin through ``BENCH_POSTGRES_URL`` and ``BENCH_MYSQL_URL`` (default: the local
services, ``postgres://postgres@127.0.0.1:5432/test`` and ``mysql://root@127.0.0.1:3306/test``); only the
server in those URLs is used, the databases are ``bench_<run>_<label>``. The CPU is read from ``/proc``, so
the server must run on this machine: PostgreSQL's backends serving the bench's database (their pids from
``pg_stat_activity``), MariaDB's whole ``mariadbd`` process (it serves other clients too: their work counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from pgbouncer import pgbouncer, through  # bench/pgbouncer.py

KINDS = ("sqlite", "postgres", "mysql")
ADMIN_URLS = {
    "postgres": ("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
    "mysql": ("BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
}
SERVER_CPU = {
    "sqlite": "",
    "postgres": "the PostgreSQL backends serving the bench's database",
    "postgres+pgbouncer": "the PostgreSQL backends serving the bench's database and of PgBouncer",
    "mysql": "the whole mariadbd process (other clients' work included)",
}
MYSQL_BATCH = 1000  # rows per multi-row INSERT
# PgBouncer's server connections per database with --pooler: as many as the app's own pool holds (Tortoise's
# default maxsize), so the figures show the cost of the pooler and of unnamed statements, not of a smaller pool.
POOLER_POOL_SIZE = 5
T = TypeVar("T")

# A snapshot of the server's CPU: seconds per process (or thread) id.
CpuSnapshot = dict[int, float]
CpuProbe = Callable[[], CpuSnapshot]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux; 0 elsewhere or once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_spent(before: CpuSnapshot, after: CpuSnapshot) -> float:
    """CPU seconds between two snapshots: a process that started in between counts from zero; one that ended
    in between is lost (a pool keeps its connections, so that is rare)."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def admin_url(kind: str) -> str:
    variable, default = ADMIN_URLS[kind]
    return os.environ.get(variable) or default


class Databases:
    """The run's databases of one kind; ``close`` (or leaving ``with``) drops every one it created."""

    def __init__(self, kind: str, work: Path, *, pooler_port: int | None = None) -> None:
        """``pooler_port``: the app reaches PostgreSQL through a PgBouncer this run starts on that port, in
        transaction-pooling mode (bench/pgbouncer.py), with ``DATABASE_POOLER=pgbouncer``."""
        if kind not in KINDS:
            raise ValueError(f"unknown database kind {kind!r}")
        if pooler_port is not None and kind != "postgres":
            raise ValueError("a pooler stands in front of PostgreSQL only")
        self.kind = kind
        self.work = work
        self.pooler_port = pooler_port
        self._pooler = contextlib.ExitStack()
        self._pooler_pid: int | None = None
        self.run = secrets.token_hex(4)
        self.created: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._monitor: Any = None  # an admin connection to read pg_stat_activity with
        self._previous_sigterm: Any = None

    def open(self) -> None:
        """From here until ``close``, SIGTERM ends the run as Ctrl-C does: through the ``finally`` blocks that
        stop the servers and drop the databases."""
        self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_signal)
        if self.pooler_port is not None:
            log = self.work / "pgbouncer.log"
            try:
                process = self._pooler.enter_context(
                    pgbouncer(admin_url("postgres"), self.pooler_port, pool_size=POOLER_POOL_SIZE, log=log)
                )
            except RuntimeError as exc:  # not installed, or it did not start: its reason
                raise SystemExit(f"bench: --pooler pgbouncer: {exc}") from None
            self._pooler_pid = process.pid

    def close(self) -> None:
        """Stop the pooler, drop every database this run created (each one it can: a failure is reported, the
        others dropped)."""
        try:
            self._pooler.close()
            self.drop_all()
        finally:
            if self._previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self._previous_sigterm)
                self._previous_sigterm = None
            self._loop.close()

    def __enter__(self) -> Databases:
        self.open()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _run(self, work: Awaitable[T]) -> T:
        return self._loop.run_until_complete(work)

    def create(self, label: str) -> str:
        """A new, empty database for ``label``; its URL."""
        if self.kind == "sqlite":
            return f"sqlite://{self.work / f'users-{label}.sqlite3'}"
        name = f"bench_{self.run}_{label}"
        self.created.append(name)  # before creating: a failed or interrupted CREATE is dropped too
        server = urlsplit(admin_url(self.kind))
        try:
            if self.kind == "postgres":
                self._run(_postgres(admin_url("postgres"), f'CREATE DATABASE "{name}"'))
            else:
                self._run(_mysql(admin_url("mysql"), f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        except Exception as exc:  # unreachable, refused, no right to create: the operator's to fix
            self.created.remove(name)
            variable = ADMIN_URLS[self.kind][0]
            raise SystemExit(
                f"bench: cannot create a database on {server.hostname}:{server.port} (set {variable} to an admin "
                f"connection): {type(exc).__name__}: {exc}"
            ) from None
        print(f"    created the database {name} on {server.hostname}:{server.port}", file=sys.stderr, flush=True)
        return urlunsplit((server.scheme, server.netloc, f"/{name}", server.query, ""))

    def drop_all(self) -> None:
        if self._monitor is not None:
            with contextlib.suppress(Exception):
                self._run(self._monitor.close())
            self._monitor = None
        for name in reversed(self.created):
            try:
                if self.kind == "postgres":
                    self._run(_postgres(admin_url("postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    self._run(_mysql(admin_url("mysql"), f"DROP DATABASE IF EXISTS `{name}`"))
            except Exception as exc:  # report, and drop the others
                print(f"bench: could not drop the database {name}: {exc}", file=sys.stderr)
            else:
                self.created.remove(name)
                print(f"    dropped the database {name}", file=sys.stderr, flush=True)

    def app_environment(self, url: str) -> dict[str, str]:
        """The app's DATABASE_URL (and DATABASE_POOLER) for the database ``url``."""
        if self.pooler_port is None:
            return {"DATABASE_URL": url}
        return {"DATABASE_URL": through(url, self.pooler_port), "DATABASE_POOLER": "pgbouncer"}

    def cpu_probe(self, url: str) -> CpuProbe | None:
        """How to read the CPU the database server spends on ``url``'s database; None for SQLite (the app
        process reads the file itself: that CPU is in the app's figure)."""
        if self.kind == "sqlite":
            return None
        if self.kind == "mysql":
            return mariadb_snapshot
        name = urlsplit(url).path.lstrip("/")
        return lambda: self._postgres_snapshot(name)

    def _postgres_snapshot(self, name: str) -> CpuSnapshot:
        if self._monitor is None:
            self._monitor = self._run(_asyncpg_connect(admin_url("postgres")))
        rows = self._run(self._monitor.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name))
        found = {row["pid"]: cpu_seconds(row["pid"]) for row in rows}
        if self._pooler_pid is not None:  # PgBouncer's own work is the database side's too
            found[self._pooler_pid] = cpu_seconds(self._pooler_pid)
        return found


def mariadb_snapshot() -> CpuSnapshot:
    """The CPU of every ``mariadbd`` (or ``mysqld``) process on this machine."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in {"mariadbd", "mysqld"}:
                    found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def _exit_on_signal(number: int, _: FrameType | None) -> None:
    raise SystemExit(128 + number)


async def _asyncpg_connect(url: str) -> Any:
    import asyncpg

    server = urlsplit(url)
    return await asyncpg.connect(urlunsplit(("postgresql", server.netloc, server.path, server.query, "")))


async def _postgres(url: str, statement: str) -> None:
    connection = await _asyncpg_connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _mysql(url: str, statement: str) -> None:
    import asyncmy

    server = urlsplit(url)
    connection = await asyncmy.connect(
        host=server.hostname or "127.0.0.1",
        port=server.port or 3306,
        user=unquote(server.username or "root"),
        password=unquote(server.password or ""),
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(statement)
    finally:
        connection.close()


# --- seeding ---------------------------------------------------------------------------------------------


async def write(model: Any, instances: Sequence[Any]) -> None:
    """Insert unsaved ``instances`` of ``model`` as fast as the database takes them: ``COPY`` on PostgreSQL
    (asyncpg's ``copy_records_to_table``), multi-row ``INSERT`` on MySQL, Tortoise's ``bulk_create`` on SQLite.
    Every column as Tortoise would write it (defaults, ``auto_now_add``); a generated key left unset stays
    the database's to choose."""
    if not instances:
        return
    db = model._meta.db
    dialect = db.capabilities.dialect
    if dialect == "sqlite":
        await model.bulk_create(instances)
        return
    columns, rows = _rows(model, instances)
    table = model._meta.db_table
    if dialect == "postgres":
        async with db.acquire_connection() as connection:
            await connection.copy_records_to_table(table, records=rows, columns=columns)
        return
    names = ", ".join(f"`{column}`" for column in columns)
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for low in range(0, len(rows), MYSQL_BATCH):
        batch = rows[low : low + MYSQL_BATCH]
        values = [value for row in batch for value in row]
        rows_sql = ", ".join([marks] * len(batch))
        # Names from the models, values as parameters.
        await db.execute_query(f"INSERT INTO `{table}` ({names}) VALUES {rows_sql}", values)  # noqa: S608


def _rows(model: Any, instances: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    meta = model._meta
    fields = [
        (name, column)
        for name, column in meta.fields_db_projection.items()
        if not (name == meta.pk_attr and meta.pk.generated and getattr(instances[0], name) is None)
    ]
    convert = [(name, meta.fields_map[name].to_db_value) for name, _ in fields]
    rows = [tuple(to_db(getattr(instance, name), instance) for name, to_db in convert) for instance in instances]
    return [column for _, column in fields], rows


async def finish(models: Sequence[Any]) -> None:
    """After seeding PostgreSQL or MySQL: PostgreSQL's id sequences past the ids written, and fresh planner
    statistics. (SQLite is left as the bench always seeded it.)"""
    db = models[0]._meta.db
    dialect = db.capabilities.dialect
    for model in models:
        table = model._meta.db_table
        if dialect == "postgres":
            if model._meta.pk.generated:
                key = model._meta.fields_db_projection[model._meta.pk_attr]
                sequence = f"pg_get_serial_sequence('{table}', '{key}')"  # the models' names, no values
                past = f'(SELECT COALESCE(MAX("{key}"), 0) + 1 FROM "{table}")'  # noqa: S608
                await db.execute_query(f"SELECT setval({sequence}, {past}, false)")
            await db.execute_query(f'ANALYZE "{table}"')
        elif dialect == "mysql":
            await db.execute_query(f"ANALYZE TABLE `{table}`")


@contextlib.contextmanager
def progress(what: str, total: int, every: int = 50_000) -> Iterator[Callable[[int], None]]:
    """``done(n)`` prints how far seeding ``total`` rows has got, at most every ``every`` rows (and at the end),
    for seeds of at least ``every`` rows: a million accounts take minutes, and show it."""
    began = time.perf_counter()
    shown = 0

    def done(count: int) -> None:
        nonlocal shown
        if total >= every and (count - shown >= every or count == total):
            shown = count
            rate = count / max(time.perf_counter() - began, 1e-9)
            left = (total - count) / rate if rate else 0.0
            print(
                f"    {what}: {count:,} of {total:,} ({count / total:.0%}), {rate:,.0f}/s, about {left:.0f} s left",
                file=sys.stderr,
                flush=True,
            )

    yield done
