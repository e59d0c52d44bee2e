"""The bench's child processes (its servers, PgBouncer): wait until one listens, and stop one.

bench/run.py and bench/pgbouncer.py (which the tests import as ``bench.pgbouncer``) share these, so every
process the bench starts is waited for and stopped alike: one that exits before it listens is reported with the
end of its log, and one that ignores SIGTERM for 10 s is killed, so no run leaves a process behind.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL


class NotListening(RuntimeError):
    """The process exited, or did not listen in time; the message holds the end of its log."""


def wait_for_port(
    port: int,
    process: subprocess.Popen[Any],
    log_path: Path,
    *,
    name: str,
    timeout: float = 30.0,
    interval: float = 0.1,
) -> None:
    """Return once something accepts connections on ``127.0.0.1:port``; raise NotListening, with the end of
    ``log_path``, if ``process`` exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NotListening(f"{name} exited ({process.returncode}):\n{_tail(log_path)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(interval)
    raise NotListening(f"{name} did not start listening on {port}:\n{_tail(log_path)}")


def stop(process: subprocess.Popen[Any], grace: float = STOP_GRACE) -> None:
    """SIGTERM, then SIGKILL if the process is still there after ``grace`` seconds; reaped either way."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log_path: Path) -> str:
    try:
        return log_path.read_text(errors="replace")[-3000:]
    except OSError:
        return f"(no log at {log_path})"
