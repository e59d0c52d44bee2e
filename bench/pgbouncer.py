"""PgBouncer in transaction-pooling mode in front of a PostgreSQL server, started for a test or a bench run.

Needs Debian's ``pgbouncer`` package (1.18: ``apt-get install pgbouncer``; ``.ci/run`` installs it, and so does
``make bench`` with ``--pooler pgbouncer`` through bench/tools.sh); only the
binary is used, never the packaged service. Each call writes its own ``pgbouncer.ini`` in a new folder:
``pool_mode = transaction`` (each transaction, and each query outside one, goes to whichever server connection
is free), ``auth_type = trust`` (the server behind it is reached as the URL's user, trusted on loopback), a pool
of ``pool_size`` server connections per database and user, no Unix socket, the log on stderr. PgBouncer
refuses to run as root: as root it is started with ``-u nobody``, and its folder is readable by all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from bench.processes import stop, wait_for_port

BINARY = "pgbouncer"
START_TIMEOUT = 30  # seconds: a guard against a hung start


class PgBouncerMissing(RuntimeError):
    """The pgbouncer binary is not installed."""


def pgbouncer_binary() -> str:
    found = shutil.which(BINARY) or next(
        (path for path in ("/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer") if os.access(path, os.X_OK)), None
    )
    if found is None:
        raise PgBouncerMissing("pgbouncer is not installed: `apt-get install pgbouncer` (Debian, Ubuntu)")
    return found


def config(server_url: str, port: int, pool_size: int) -> tuple[str, str]:
    """``pgbouncer.ini`` and the auth file for a pooler on ``127.0.0.1:port`` in front of ``server_url``'s server."""
    server = urlsplit(server_url)
    user = unquote(server.username or "postgres")
    target = f"host={server.hostname or '127.0.0.1'} port={server.port or 5432}"
    if server.password:
        target += f" password={unquote(server.password)}"
    ini = f"""[databases]
* = {target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = %(auth_file)s
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
"""
    return ini, f'"{user}" ""\n'


def through(database_url: str, port: int) -> str:
    """``database_url`` (a database on the server behind the pooler) as reached through the pooler."""
    url = urlsplit(database_url)
    netloc = url.netloc.rsplit("@", 1)[0] + "@" if "@" in url.netloc else ""
    return urlunsplit(("postgres", f"{netloc}127.0.0.1:{port}", url.path, url.query, ""))


@contextlib.contextmanager
def pgbouncer(
    server_url: str, port: int, *, pool_size: int = 2, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A PgBouncer on ``127.0.0.1:port`` in front of ``server_url``'s PostgreSQL server, listening; stopped after.

    Its log goes to ``log`` (else it is discarded); a failed start raises RuntimeError (``NotListening``) with
    the log's end.
    """
    binary = pgbouncer_binary()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    try:
        folder.chmod(0o755)  # as root, pgbouncer runs as nobody and reads its files again on a reload
        ini, users = config(server_url, port, pool_size)
        (folder / "users.txt").write_text(users)
        (folder / "pgbouncer.ini").write_text(ini.replace("%(auth_file)s", str(folder / "users.txt")))
        for path in folder.iterdir():
            path.chmod(0o644)
        log_path = log or folder / "pgbouncer.log"
        as_user = ["-u", "nobody"] if os.geteuid() == 0 else []  # "PgBouncer should not run as root"
        with log_path.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - the system's pgbouncer, our own config
                [binary, *as_user, str(folder / "pgbouncer.ini")], stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(port, process, log_path, name="pgbouncer", timeout=START_TIMEOUT, interval=0.05)
            yield process
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
