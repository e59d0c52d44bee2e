"""``make profile``: where ``me``, ``user(userName:)``, a followers page and ``users(query:)`` spend the server's time.

Seeds 10,000 users on SQLite (or, with ``--database postgres|mysql``, a database of the run's own on the local
server, dropped afterwards), starts ``python main.py`` as ``make bench`` does (one worker, production),
loads it with one kind of request at a time and samples the running server with py-spy (a sampling
profiler; it needs ptrace, as root here). Each sample of the event loop's thread is put in the part of the
request its leaf-most known frame belongs to, and the shares are printed. Stops by itself.

Before any sampling, one request of each kind must be answered in full (``bench/run.py``'s pre-flight), so no
profile is of an error path; ``--check`` stops there, and needs neither py-spy nor wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import databases  # noqa: E402 - bench/databases.py, the run's own databases
import run as bench  # noqa: E402 - bench/run.py, for its seeding, request files and servers

from services.identity.passwords import hash_password  # noqa: E402
from settings import Settings  # noqa: E402

# The part of a request a frame belongs to; a sample counts for the leaf-most frame that matches.
PARTS = [
    ("socket writes (uvicorn's transport.write of the head, then the body)", ("RequestResponseCycle.send",)),
    ("database read (sqlite3 on the event loop)", ("execute_point_lookup", "sqlite3")),
    ("database driver (asyncpg, asyncmy, aiomysql) and its pool", ("asyncpg/", "asyncmy/", "aiomysql/", "pymysql/")),
    ("database hand-off (aiosqlite's thread)", ("aiosqlite",)),
    ("Tortoise executor and hydration", ("tortoise/", "models/fast_reads.py")),
    ("JSON", ("orjson", "json/", "encode_json")),
    ("JWT decode and token cache", ("jwt/", "services/identity/access_tokens.py", "services/identity/keyring.py")),
    ("metrics", ("prometheus_client", "web/metrics.py")),
    ("the access log line", ("logging/", "web/access_log.py", "web/logs.py")),
    (
        "Strawberry's extension machinery and our pipeline",
        ("strawberry/extensions/", "schema/pipeline.py", "schema/documents.py", "schema/trusted.py"),
    ),
    ("graphql-core execute", ("graphql/",)),
    ("Strawberry view, schema and converters", ("strawberry/", "cross_web/")),
    ("Starlette", ("starlette/",)),
    (
        "our edge and resolvers (caller, context, body limit, resolvers, services)",
        ("web/", "schema/", "resolvers/", "services/", "models/"),
    ),
    ("uvicorn and httptools (parsing, protocol)", ("uvicorn/", "httptools")),
]
REST = "uvloop (C: sockets, callbacks) and asyncio"


def classify(raw: Path) -> list[tuple[str, float]]:
    counts: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        frames = stack.split(";")
        if "MainThread" not in frames[0]:
            continue
        for frame in reversed(frames[1:]):
            part = next((name for name, keys in PARTS if any(key in frame for key in keys)), None)
            if part is not None:
                break
        counts[part or REST] += int(number)
    total = sum(counts.values()) or 1
    return [(name, 100 * count / total) for name, count in counts.most_common()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of sampling per request kind (15)")
    parser.add_argument("--port", type=int, default=9460)
    parser.add_argument("--keep", type=Path, help="keep py-spy's raw samples (collapsed stacks) in this folder")
    parser.add_argument("--database", choices=databases.KINDS, default="sqlite", help="where the data lives (sqlite)")
    parser.add_argument("--check", action="store_true", help="only check that each kind is answered in full")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    wrk = shutil.which("wrk")
    if not args.check and (not Path(py_spy).exists() or wrk is None):
        raise SystemExit("profile: needs py-spy (pip install py-spy) and wrk (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="user-service-profile-"))
    secret = secrets.token_urlsafe(48)
    env = bench.production_env(work, secret)
    settings = Settings(
        app_env="production",
        jwt_secret=secret,
        smtp_url="smtp://127.0.0.1:9",
        bcrypt_rounds=4,
        totp_encryption_key=(env["TOTP_ENCRYPTION_KEY"],),
    )
    key = bench.signing_key(settings)
    rng = random.Random(4)  # noqa: S311 - picks users, not secrets
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    dbs = databases.Databases(args.database, work)
    try:
        dbs.open()
        db_url = dbs.create("profile")
        bench.seed(db_url, 0, 10_000, asyncio.run(hash_password(bench.PASSWORD, rounds=4)), key)

        def token(n: int) -> str:
            return bench.issue_access_token(
                user_id=n + 1, token_version=0, session_id=bench.session_of(n), settings=settings, keys=key.keys
            ).token

        requests = {
            "me": bench.write_requests(
                work / "me.txt", [(token(rng.randrange(10_000)), bench.ME, None) for _ in range(2000)]
            ),
            "user(userName:)": bench.write_requests(
                work / "user.txt",
                [(token(0), bench.USER, {"userName": f"user{rng.randrange(10_000)}"}) for _ in range(2000)],
            ),
            "followers page": bench.write_requests(
                work / "followers.txt",
                [
                    (token(rng.randrange(10_000)), bench.FOLLOWERS, {"userName": f"user{rng.randrange(bench.STARS)}"})
                    for _ in range(2000)
                ],
            ),
            "users(query:)": bench.write_requests(
                work / "directory.txt",
                [
                    (token(rng.randrange(10_000)), bench.DIRECTORY, {"query": f"user{rng.randrange(1000)}"})
                    for _ in range(2000)
                ],
            ),
        }
        env = env | dbs.app_environment(db_url)
        with bench.server("profiled", [sys.executable, "main.py"], args.port, env, work) as served:
            for name, path in requests.items():
                bench.preflight(served.target(name, path))
            if args.check:
                print(f"profile: {', '.join(requests)}: each answered in full")
                return 0
            for name, path in requests.items():
                load = subprocess.Popen(  # noqa: S603
                    bench.load_command(served.target(name, path), 16, args.seconds + 6, "wrk"),
                    stdout=subprocess.DEVNULL,
                )
                time.sleep(3)  # warm
                raw = (args.keep or work) / f"{name.split('(')[0].replace(' ', '-')}.raw"
                record = [py_spy, "record", "--pid", str(served.pid), "--rate", "250", "--format", "raw"]
                record += ["--duration", str(round(args.seconds)), "--nonblocking", "--threads", "-o", str(raw)]
                subprocess.run(record, check=True, capture_output=True)  # noqa: S603 - py-spy on our own server
                with contextlib.suppress(subprocess.TimeoutExpired):
                    load.wait(timeout=args.seconds + 30)
                print(f"\n{name}: share of the event loop thread's samples")
                for part, share in classify(raw):
                    print(f"  {share:5.1f}%  {part}")
    finally:
        dbs.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
