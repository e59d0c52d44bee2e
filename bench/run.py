"""``make bench``: the server under load on 127.0.0.1, every figure also as a ratio to the framework floor.

Seeds a SQLite database, starts ``python main.py`` (one uvicorn worker, APP_ENV=production, a JWT secret
made for this run) and the bare-Strawberry floor (``bench/floor.py``) the same way, loads them from another
process (wrk when installed, else ``bench/pyload.py``) for a fixed time each, prints a table and writes
JSON. Run ``python bench/run.py --help`` for the knobs; every run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import math
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import bcrypt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import chart  # noqa: E402 - bench/chart.py
import databases  # noqa: E402 - bench/databases.py
import evening  # noqa: E402 - bench/evening.py
import processes  # noqa: E402 - bench/processes.py
import report  # noqa: E402 - bench/report.py
import scale  # noqa: E402 - bench/scale.py
import targets26  # noqa: E402 - bench/targets26.py
import workers as worker_figures  # noqa: E402 - bench/workers.py
from databases import CpuProbe, CpuSnapshot, cpu_seconds, cpu_spent  # noqa: E402

from services.identity import signing_keys  # noqa: E402
from services.identity.access_tokens import issue_access_token  # noqa: E402
from services.identity.keyring import Keys, SigningPair  # noqa: E402
from services.identity.passwords import hash_password  # noqa: E402 - needs ROOT on the path
from settings import Settings  # noqa: E402

PASSWORD = "bench-password-123"  # noqa: S105 - every seeded user's password, for this throwaway database
ME = "{ me { userName email profile { verified } } }"
USER = "query User($userName: String!) { user(userName: $userName) { userName firstName profile { verified } } }"
LOGIN = (
    "mutation Login($userName: String!, $password: String!) "
    "{ login(userName: $userName, password: $password) { accessToken } }"
)
DIRECTORY = "query Users($query: String!) { users(query: $query, first: 20) { edges { node { userName firstName } } } }"
FOLLOWERS = (
    "query Followers($userName: String!) { user(userName: $userName) { followers(first: 20) "
    "{ edges { followedAt node { userName viewerRelationship { following followedBy } } } } } }"
)
STARS = 100  # user0 .. user99 have followers, for the followers-page figure
FANS_PER_STAR = 25
HELLO = "{ hello }"
PERSISTED_ME = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(ME.encode()).hexdigest()}}
SQLITE_RESULTS = ROOT / "bench" / "results" / "latest.json"  # a SQLite run's, which a PostgreSQL run compares with


@dataclass(frozen=True)
class Options:
    users: int
    small: int
    large: int
    duration: float
    warmup: float
    connections: int
    flood: int
    bcrypt_rounds: int
    slices: int
    loader: str
    port: int
    out: Path
    database: str = "sqlite"
    pooler: str = "none"
    scale_from: int = 10_000  # the million-account figures compare --users with this size, when --users is larger
    star_followers: int = scale.STAR_FOLLOWERS
    deep_page: int = scale.DEEP_PAGE
    workers: tuple[int, ...] = ()  # --workers 1,2: the workers figures at each count
    evening: bool = False
    evening_workers: int = 2
    redis_url: str | None = None
    chart: Path | None = None
    extra_only: bool = False  # only the figures asked for by the flags above, without the standard ones


# --- seeding -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunKey:
    """The run's signing key (JWT_ALGORITHM's default, EdDSA): the row each seeded database gets as its active
    key, and the keys the bench signs its tokens with, as the server does."""

    row: dict[str, object]
    keys: Keys


def signing_key(settings: Settings) -> RunKey:
    """A new key pair, its private half encrypted with ``settings``' TOTP_ENCRYPTION_KEY as the server stores it."""
    private = signing_keys.new_private_key(settings.jwt_algorithm)
    now = datetime.now(UTC)
    fields = signing_keys.new_key_fields(private, settings.jwt_algorithm, settings, now)
    row = {**fields, "state": signing_keys.ACTIVE, "active_slot": 1, "activated_at": now}
    return RunKey(row, Keys(signing=SigningPair(str(fields["kid"]), settings.jwt_algorithm, private)))


async def _seed(db_url: str, start: int, stop: int, password_hash: str, key: RunKey | None) -> None:
    """Users ``start`` .. ``stop - 1`` (ids ``n + 1``, names ``user<n>``) with their profiles, in bulk; and the
    run's signing key."""
    from tortoise import Tortoise

    import database
    from models import Follow, Session, SigningKey, User, UserProfile

    follows = fans(stop)
    followers = {star: len(followed_by) for star, followed_by in follows.items()}
    following: dict[int, int] = {}
    for followed_by in follows.values():
        for fan in followed_by:
            following[fan] = following.get(fan, 0) + 1
    await Tortoise.init(config=database.tortoise_config(db_url), _enable_global_fallback=True)
    try:
        await database.migrate()  # as `python main.py migrate` would: production refuses pending migrations
        if key is not None:
            await SigningKey.create(**key.row)  # as `python main.py keys generate` would
        with databases.progress(f"seeding {urlsplit(db_url).path.rsplit('/', 1)[-1]}", stop - start) as done:
            for low in range(start, stop, 10_000):
                ids = range(low, min(stop, low + 10_000))
                await _seed_users(ids, followers, following, password_hash)
                done(ids.stop - start)
        rows = [
            Follow(follower_id=fan + 1, followee_id=star + 1, accepted=True)
            for star, followed_by in follows.items()
            for fan in followed_by
            if start <= fan < stop and start <= star < stop
        ]
        await databases.write(Follow, rows)
        await databases.finish([User, UserProfile, Session, Follow])
    finally:
        await Tortoise.close_connections()


async def _seed_users(ids: range, followers: dict[int, int], following: dict[int, int], password_hash: str) -> None:
    """Users ``ids`` with their profiles and a live session each, written in bulk."""
    from models import Session, User, UserProfile
    from services.people.directory import name_keys

    await databases.write(
        User,
        [
            User(
                id=n + 1,
                user_name=f"user{n}",
                user_name_key=f"user{n}",
                email=f"user{n}@example.com",
                email_key=f"user{n}@example.com",
                first_name=f"First{n}",
                **name_keys(f"First{n}", ""),
                followers_count=followers.get(n, 0),
                following_count=following.get(n, 0),
                password_hash=password_hash,
            )
            for n in ids
        ],
    )
    await databases.write(UserProfile, [UserProfile(id=n + 1, user_id=n + 1) for n in ids])
    # A signed-in session each: an access token is honoured only while its session is live.
    now = datetime.now(UTC)
    ends = now + timedelta(days=1)
    await databases.write(
        Session, [Session(id=session_of(n), user_id=n + 1, last_used_at=now, expires_at=ends) for n in ids]
    )


def fans(total: int) -> dict[int, list[int]]:
    """Who follows each of the first STARS users: FANS_PER_STAR others, spread over all ``total``."""
    return {
        star: [(star + 1 + k * (total // FANS_PER_STAR)) % total for k in range(FANS_PER_STAR)]
        for star in range(min(STARS, total))
    }


def session_of(n: int) -> str:
    """The id of the seeded session of user ``n``."""
    return f"{n + 1:032x}"


def seed(db_url: str, start: int, stop: int, password_hash: str, key: RunKey | None = None) -> float:
    began = time.perf_counter()
    asyncio.run(_seed(db_url, start, stop, password_hash, key))
    return time.perf_counter() - began


# --- servers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    db_cpu: CpuProbe | None = None  # the database server's CPU on this server's database

    def target(self, name: str, requests: Path) -> Target:
        return Target(name=name, url=self.url, pid=self.pid, requests=requests, db_cpu=self.db_cpu)


@contextlib.contextmanager
def server(
    name: str, argv: list[str], port: int, env: dict[str, str], logs: Path, db_cpu: CpuProbe | None = None
) -> Iterator[Server]:
    """Start a server process (one uvicorn worker), wait until it listens, yield it, stop it."""
    _refuse_a_busy_port(port)
    log_path = logs / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
            argv, cwd=ROOT, env={**env, "HOST": "127.0.0.1", "PORT": str(port)}, stdout=log, stderr=log
        )
        try:
            try:
                processes.wait_for_port(port, process, log_path, name="the server")
            except processes.NotListening as exc:
                raise SystemExit(f"bench: {exc}") from None
            yield Server(url=f"http://127.0.0.1:{port}/graphql", pid=process.pid, db_cpu=db_cpu)
        finally:
            processes.stop(process)


def _refuse_a_busy_port(port: int) -> None:
    """Stop if something already listens there: the bench would load it, not the server it started."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no conflict
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"bench: port {port} is in use (another bench?); choose others with --port") from None


# --- load ----------------------------------------------------------------------------------------------


def write_requests(path: Path, rows: list[tuple[str | None, str, dict[str, object] | None]]) -> Path:
    """One request a line, as both loaders read them: ``<token or ->\\t<json body>``."""
    return write_bodies(
        path,
        [
            (token, {"query": query} if variables is None else {"query": query, "variables": variables})
            for token, query, variables in rows
        ],
    )


def write_bodies(path: Path, rows: list[tuple[str | None, dict[str, object]]]) -> Path:
    with path.open("w") as handle:
        for token, body in rows:
            handle.write(f"{token or '-'}\t{json.dumps(body, separators=(',', ':'))}\n")
    return path


def post(url: str, token: str | None, body: bytes) -> tuple[int, str]:
    """One request as the loaders send it: the status and the body, whatever the status."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - our own loopback server
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def register_persisted(url: str, token: str, query: str, extensions: Mapping[str, object]) -> None:
    """Send a document with its hash once (APQ), so the load can send the hash alone."""
    status, text = post(url, token, json.dumps({"query": query, "extensions": extensions}).encode())
    if problem := answer_problem(status, text):
        raise SystemExit(f"bench: registering the persisted query failed: {problem}")


def gaps(value: object, path: str = "data") -> list[str]:
    """Where an answer holds null or an empty list: every request of the bench asks for things that exist."""
    if value is None or value == []:
        return [path]
    if isinstance(value, dict):
        return [gap for key, item in value.items() for gap in gaps(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [gap for index, item in enumerate(value) for gap in gaps(item, f"{path}[{index}]")]
    return []


def answer_problem(status: int, text: str) -> str:
    """Why an answer is not the one a figure means to measure, or "" when it is: 200, data, no errors, no gaps."""
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if status != 200 or not isinstance(answer, dict):
        return f"HTTP {status}: {text[:500]}"
    if answer.get("errors") or "data" not in answer:
        return f"errors: {text[:500]}"
    if missing := gaps(answer["data"]):
        return f"no value at {', '.join(missing[:5])}: {text[:500]}"
    return ""


def preflight(target: Target) -> None:
    """Send a figure's first request once and stop the bench unless it is answered in full.

    The loaders count non-200 answers and answers carrying errors; this also catches a null or an empty
    page, so no figure measures an error path or an empty one (as when production stopped accepting the
    bench's tokens and every figure would have timed UNAUTHENTICATED).
    """
    token, _, body = target.requests.read_text().split("\n", 1)[0].partition("\t")
    status, text = post(target.url, None if token == "-" else token, body.encode())  # noqa: S105 - "no token"
    if problem := answer_problem(status, text):
        raise SystemExit(f"bench: {target.name}: its first request is not answered in full: {problem}")


def load_command(target: Target, connections: int, duration: float, loader: str) -> list[str]:
    if loader == "wrk":
        return [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
            "-s", str(ROOT / "bench" / "requests.lua"), target.url, "--", str(target.requests),
        ]  # fmt: skip
    return [
        sys.executable, str(ROOT / "bench" / "pyload.py"), target.url, str(target.requests),
        "--connections", str(connections), "--duration", str(duration), "--timeout", "30",
    ]  # fmt: skip


@dataclass(frozen=True)
class Target:
    """A running server and the requests to send it."""

    name: str
    url: str
    pid: int
    requests: Path
    db_cpu: CpuProbe | None = None


def app_cpu(pid: int) -> CpuSnapshot:
    """The CPU of a server process and of every process under it (uvicorn's workers with WORKERS > 1), per pid.

    Per pid, so a worker that uvicorn replaces during a slice (it restarts one that misses its health check on a
    loaded machine) counts from zero instead of taking its predecessor's seconds off the total
    (``databases.cpu_spent``); the seconds of the one replaced since the snapshot are lost.
    """
    return {each: cpu_seconds(each) for each in worker_figures.descendants(pid)}


def wait_with_cpu(process: subprocess.Popen[str]) -> tuple[str, float]:
    """A child's stdout once it exits, and the CPU seconds it used (its own, from the kernel's rusage)."""
    stdout = process.stdout.read() if process.stdout else ""
    if process.stdout:
        process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return stdout, usage.ru_utime + usage.ru_stime


class Load:
    """One load generator process against one target, for a fixed time."""

    def __init__(self, target: Target, connections: int, duration: float, loader: str) -> None:
        self.target = target
        self.duration = duration
        self.cpu_before = app_cpu(target.pid)
        self.db_before = target.db_cpu() if target.db_cpu else None
        command = load_command(target, connections, duration, loader)
        self.errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in finish
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.errors, text=True)  # noqa: S603

    def finish(self) -> dict[str, float]:
        stdout, loader_cpu = wait_with_cpu(self.process)
        self.errors.seek(0)
        stderr = self.errors.read()
        self.errors.close()
        cpu = cpu_spent(self.cpu_before, app_cpu(self.target.pid))
        db_cpu = None if self.target.db_cpu is None or self.db_before is None else self.target.db_cpu()
        lines = [line for line in stdout.splitlines() if line.startswith("{")]
        if self.process.returncode != 0 or not lines:
            raise SystemExit(f"bench: the load generator failed ({self.process.returncode}):\n{stdout}\n{stderr}")
        result: dict[str, float] = json.loads(lines[-1])
        if result["bad"] or result["socket_errors"] or not result["requests"]:
            raise SystemExit(
                f"bench: {self.target.name}: {result['bad']} bad answers, {result['socket_errors']} socket errors"
            )
        result["cpu_s"] = cpu
        result["loader_cpu_s"] = loader_cpu
        if db_cpu is not None and self.db_before is not None:
            result["db_cpu_s"] = cpu_spent(self.db_before, db_cpu)
        return result


def merge(slices: list[dict[str, float]]) -> dict[str, float]:
    """Slices of one figure: rates from the totals, latencies as the median of the slices' percentiles."""
    requests = sum(part["requests"] for part in slices)
    duration = sum(part["duration_s"] for part in slices)
    cpu = sum(part["cpu_s"] for part in slices)
    database_server = (
        {"db_cpu_ms_per_request": sum(part["db_cpu_s"] for part in slices) / requests * 1e3}
        if all("db_cpu_s" in part for part in slices)
        else {}
    )
    loader = (
        {"loader_cpu_ms_per_request": sum(part["loader_cpu_s"] for part in slices) / requests * 1e3}
        if all("loader_cpu_s" in part for part in slices)
        else {}
    )
    return {
        "requests": requests,
        "duration_s": duration,
        "rps": requests / duration,
        "p50_ms": statistics.median(part["p50_ms"] for part in slices),
        "p99_ms": statistics.median(part["p99_ms"] for part in slices),
        "max_ms": max(part["max_ms"] for part in slices),
        "server_cpu_ms_per_request": cpu / requests * 1e3,
        **database_server,
        **loader,
        # Load.finish stops the bench on any; kept so the results say so figure by figure.
        "bad_answers": sum(part["bad"] for part in slices),
        "socket_errors": sum(part["socket_errors"] for part in slices),
    }


def interleaved(options: Options, targets: list[Target], connections: int | None = None) -> dict[str, dict[str, float]]:
    """Warm every target up, then load them in turn, ``options.rounds`` short slices each.

    Taking turns spreads the noise of a shared machine over every figure alike, so the ratios between
    them hold better than figures measured minutes apart.
    """
    connections = connections or options.connections
    for target in targets:
        preflight(target)
        if options.warmup > 0:
            Load(target, connections, options.warmup, options.loader).finish()
    slices: dict[str, list[dict[str, float]]] = {target.name: [] for target in targets}
    seconds = options.duration / options.slices
    for _ in range(options.slices):
        for target in targets:
            slices[target.name].append(Load(target, connections, seconds, options.loader).finish())
    return {name: merge(parts) for name, parts in slices.items()}


# --- the run -------------------------------------------------------------------------------------------


def bcrypt_check_seconds(password_hash: str) -> float:
    """Median time of one ``checkpw`` at the configured rounds, on one thread."""
    samples = []
    for _ in range(5):
        began = time.perf_counter()
        bcrypt.checkpw(PASSWORD.encode(), password_hash.encode())
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def bcrypt_parallel_per_second(password_hash: str, threads: int, seconds: float = 3.0) -> float:
    """Checks per second with ``threads`` threads hashing at once: what this machine gives now."""
    deadline = time.perf_counter() + seconds

    def work() -> int:
        done = 0
        while time.perf_counter() < deadline:
            bcrypt.checkpw(PASSWORD.encode(), password_hash.encode())
            done += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = sum(pool.map(lambda _: work(), range(threads)))
    return done / (time.perf_counter() - began)


def production_env(work: Path, secret: str) -> dict[str, str]:
    """What ``python main.py`` needs to start with APP_ENV=production, made for this run only.

    No figure writes mail, so SMTP_URL names the discard port: the outbox sender starts and stays idle.
    """
    return {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "production",
        "JWT_SECRET": secret,
        "TOTP_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "SMTP_URL": "smtp://127.0.0.1:9",
        "MAIL_FROM": "bench@example.invalid",
        "DATA_DIR": str(work),
    }


def run(options: Options) -> dict[str, object]:
    rng = random.Random(4)  # noqa: S311 - picks benchmark users, not secrets
    work = Path(tempfile.mkdtemp(prefix="user-service-bench-"))
    secret = secrets.token_urlsafe(48)  # made for this run, never stored
    env = production_env(work, secret) | {"BCRYPT_ROUNDS": str(options.bcrypt_rounds)}
    settings = Settings(
        app_env="production",
        jwt_secret=secret,
        smtp_url=env["SMTP_URL"],
        bcrypt_rounds=options.bcrypt_rounds,
        totp_encryption_key=(env["TOTP_ENCRYPTION_KEY"],),
    )
    key = signing_key(settings)
    # Seeded as the app writes hashes today, so no login pays for upgrading a legacy one; bcrypt alone
    # is timed on a plain hash of the same cost (the pre-hash adds microseconds).
    password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(options.bcrypt_rounds)).decode()
    seeded_hash = asyncio.run(hash_password(PASSWORD, rounds=options.bcrypt_rounds))
    app_argv = [sys.executable, "main.py"]
    floor_argv = [sys.executable, str(ROOT / "bench" / "floor.py")]
    cached_argv = [*floor_argv, "--cached"]
    results: dict[str, dict[str, float]] = {}
    began = time.perf_counter()

    def step(name: str) -> None:
        print(f"  {time.perf_counter() - began:5.1f}s  {name}", file=sys.stderr, flush=True)

    def pick(total: int) -> list[int]:
        return [rng.randrange(total) for _ in range(2000)]

    def token_for(n: int) -> str:
        return issue_access_token(
            user_id=n + 1, token_version=0, session_id=session_of(n), settings=settings, keys=key.keys
        ).token

    def user_requests(name: str, total: int) -> Path:
        rows = [(token_for(0), USER, {"userName": f"user{n}"}) for n in pick(total)]
        return write_requests(work / f"{name}.txt", rows)

    def directory_requests(name: str, total: int) -> Path:
        # Names in the top tenth match one user each, at any size: the cost of the search, not of the results.
        rows = [(token_for(0), DIRECTORY, {"query": f"user{total // 10 + n * 9 // 10}"}) for n in pick(total)]
        return write_requests(work / f"{name}.txt", rows)

    pooler_port = options.port + 4 if options.pooler == "pgbouncer" else None
    if pooler_port is not None:
        _refuse_a_busy_port(pooler_port)
    dbs = databases.Databases(options.database, work, pooler_port=pooler_port)
    urls: dict[int, str] = {}  # each size's database

    def app_server(
        name: str, port: int, size: int, more: Mapping[str, str] | None = None
    ) -> contextlib.AbstractContextManager[Server]:
        app_env = env | dbs.app_environment(urls[size]) | dict(more or {})
        return server(name, app_argv, port, app_env, work, dbs.cpu_probe(urls[size]))

    def floors(stack: contextlib.ExitStack, suffix: str) -> list[Target]:
        floor = stack.enter_context(server(f"floor{suffix}", floor_argv, options.port + 1, env, work))
        cached = stack.enter_context(server(f"floor_cached{suffix}", cached_argv, options.port + 3, env, work))
        return [floor.target(f"floor{suffix}", hello), cached.target(f"floor_cached{suffix}", hello)]

    scaling = options.users > options.scale_from
    cursors: dict[int, str] = {}  # the deep followers page's cursor at each scale size
    evening_result: dict[str, object] | None = None

    def drain() -> None:
        # wrk stops mid-request; the server still hashes what was sent. Let that finish first.
        time.sleep(options.flood * check_seconds / (os.cpu_count() or 1) + 0.5)

    try:
        standard = () if options.extra_only else (options.small, options.large)
        sizes = (options.users, *standard, *((options.scale_from,) if scaling else ()))
        step("seeding " + ", ".join(f"{size:,}" for size in dict.fromkeys(sizes)) + " users")
        dbs.open()
        for size in dict.fromkeys(sizes):
            urls[size] = dbs.create(str(size))
        seeded = {str(size): seed(urls[size], 0, size, seeded_hash, key) for size in urls}
        for size in (options.scale_from, options.users) if scaling else ():
            followers = scale.followers_of_star(size, options.star_followers)
            page = scale.deep_page(size, options.star_followers, options.deep_page)
            seconds, cursors[size] = scale.seed_star(urls[size], size, followers, page, seeded_hash, _seed_users)
            seeded[f"{size}_followers_of_user{size}"] = seconds
        hello = write_requests(work / "hello.txt", [(None, HELLO, None)])
        me_users = pick(options.users)
        me = write_requests(work / "me.txt", [(token_for(n), ME, None) for n in me_users])
        me_persisted = write_bodies(
            work / "me-persisted.txt", [(token_for(n), {"extensions": PERSISTED_ME}) for n in me_users]
        )
        logins = [(None, LOGIN, {"userName": f"user{n}", "password": PASSWORD}) for n in pick(options.users)]
        login = write_requests(work / "login.txt", logins)
        # Name prefixes matching about ten users each: "user123" (user123, user1230..1239) or "first123".
        prefixes = [f"user{n // 10}" if n % 2 else f"first{n // 10}" for n in pick(options.users)]
        viewers = pick(options.users)
        directory = [(token_for(n), DIRECTORY, {"query": q}) for n, q in zip(viewers, prefixes, strict=True)]
        stars = [(token_for(n), FOLLOWERS, {"userName": f"user{n % STARS}"}) for n in pick(options.users)]
        directory_file = write_requests(work / "directory.txt", directory)
        followers_file = write_requests(work / "followers.txt", stars)
        check_seconds = parallel = math.nan  # measured with the standard figures
        if not options.extra_only:
            with contextlib.ExitStack() as stack:
                floor = stack.enter_context(server("floor", floor_argv, options.port + 1, env, work))
                cached = stack.enter_context(server("floor_cached", cached_argv, options.port + 3, env, work))
                app = stack.enter_context(app_server("app", options.port, options.users))
                register_persisted(app.url, token_for(0), ME, PERSISTED_ME)
                step(
                    f"both floors, me, me by hash, user(userName:), users(query:) and followers at {options.users:,} "
                    "users, in turns"
                )
                reads = [floor.target("floor", hello), cached.target("floor_cached", hello), app.target("me", me)]
                reads.append(app.target("me_persisted", me_persisted))
                reads.append(app.target("user", user_requests("user", options.users)))
                reads.append(app.target("users_query", directory_file))
                reads.append(app.target("followers_page", followers_file))
                # The same documents answered from memory by the second floor: Strawberry's own cost of that shape.
                reads.append(cached.target("users_query_framework", directory_file))
                reads.append(cached.target("followers_page_framework", followers_file))
                results.update(interleaved(options, reads))
                step(f"bcrypt alone, then login with {options.flood} clients")
                check_seconds = bcrypt_check_seconds(password_hash)
                parallel = bcrypt_parallel_per_second(password_hash, os.cpu_count() or 1, min(3.0, options.duration))
                preflight(app.target("login", login))
                logging_in = Load(app.target("login", login), options.flood, options.duration, options.loader)
                results["login"] = merge([logging_in.finish()])
                drain()
                step(f"me while {options.flood} clients log in")
                flood_seconds = options.warmup * 2 + options.duration + 2
                flood = Load(app.target("login flood", login), options.flood, flood_seconds, options.loader)
                time.sleep(options.warmup)  # let the flood fill the bcrypt threads first
                results["me_during_login_flood"] = interleaved(options, [app.target("me", me)])["me"]
                results["login_during_flood"] = merge([flood.finish()])
                del results["login_during_flood"]["server_cpu_ms_per_request"]  # the server also answered `me`
                results["login_during_flood"].pop("db_cpu_ms_per_request", None)
                drain()
            with contextlib.ExitStack() as stack:
                floor = stack.enter_context(server("floor", floor_argv, options.port + 1, env, work))
                cached = stack.enter_context(server("floor_cached", cached_argv, options.port + 3, env, work))
                small = stack.enter_context(app_server("small", options.port, options.small))
                large = stack.enter_context(app_server("large", options.port + 2, options.large))
                step(
                    f"both floors, user(userName:) and users(query:) at {options.small:,} and {options.large:,} users, "
                    "in turns"
                )
                reads = [floor.target("floor_2", hello), cached.target("floor_cached_2", hello)]
                reads.append(small.target("user_small", user_requests("user_small", options.small)))
                reads.append(large.target("user_large", user_requests("user_large", options.large)))
                reads.append(small.target("users_query_small", directory_requests("users_query_small", options.small)))
                reads.append(large.target("users_query_large", directory_requests("users_query_large", options.large)))
                results.update(interleaved(options, reads))
        if scaling:
            with contextlib.ExitStack() as stack:
                reads = floors(stack, "_scale")
                small = stack.enter_context(app_server("scale_small", options.port, options.scale_from))
                large = stack.enter_context(app_server("scale_large", options.port + 2, options.users))
                step(
                    f"the floors, user(userName:), a directory prefix search and the followers pages 1 and "
                    f"{scale.deep_page(options.users, options.star_followers, options.deep_page)} at "
                    f"{options.scale_from:,} and {options.users:,} users, in turns"
                )
                built = {
                    size: scale.requests(
                        size,
                        (
                            scale.followers_of_star(size, options.star_followers),
                            scale.deep_page(size, options.star_followers, options.deep_page),
                            cursors[size],
                        ),
                        pick(size),
                        token_for,
                        (USER, DIRECTORY),
                    )
                    for size in (options.scale_from, options.users)
                }
                for figure in scale.FIGURES:
                    for size, app in ((options.scale_from, small), (options.users, large)):
                        named = scale.name(figure, size)
                        reads.append(app.target(named, write_requests(work / f"{named}.txt", built[size][figure])))
                results.update(interleaved(options, reads))
        for count in options.workers:
            with contextlib.ExitStack() as stack:
                reads = floors(stack, f"_workers{count}")
                more = worker_figures.environment(count, options.redis_url)
                app = stack.enter_context(app_server(f"workers{count}", options.port, options.users, more))
                step(f"the floors, me, user(userName:) and a followers page with WORKERS={count}, in turns")
                reads.append(app.target(worker_figures.name(count, "me"), me))
                reads.append(app.target(worker_figures.name(count, "user"), user_requests("user", options.users)))
                reads.append(app.target(worker_figures.name(count, "followers_page"), followers_file))
                results.update(interleaved(options, reads))
        if options.evening:
            count = options.evening_workers
            more = worker_figures.environment(count, options.redis_url) | evening.APP_ENVIRONMENT
            with app_server("evening", options.port, options.users, more) as app:
                documents = evening.Documents(ME, USER, DIRECTORY, FOLLOWERS, PASSWORD)
                lines = evening.mix(
                    options.connections, options.users, token_for, documents, rng, min(STARS, options.users)
                )
                mix = evening.write_mix(work / "evening.txt", lines)
                step(f"the busy evening: {options.connections} users at once, WORKERS={count}")
                evening_result = run_evening(app, mix, options) | {"workers": count}
    finally:
        try:
            dbs.close()  # drops the run's databases, also after a failure, Ctrl-C or SIGTERM
        finally:
            shutil.rmtree(work, ignore_errors=True)
    summary = report.report(options, results, check_seconds, parallel, seeded, time.perf_counter() - began)
    summary["scale"] = (
        {
            "small": options.scale_from,
            "large": options.users,
            "star_followers": options.star_followers,
            "deep_page": scale.deep_page(options.users, options.star_followers, options.deep_page),
        }
        if scaling
        else None
    )
    summary["workers"] = list(options.workers)
    summary["evening"] = evening_result
    summary["targets_issue26"] = targets26.targets(summary, options, targets26.last_sqlite_run(SQLITE_RESULTS))
    return summary


def run_evening(app: Server, mix: Path, options: Options) -> dict[str, object]:
    """The evening's loader for ``--warmup`` and then ``--duration`` seconds; its figures with the CPU of the app's
    processes, of the database server and of the loader, per request."""
    command = [sys.executable, str(ROOT / "bench" / "evening.py"), app.url, str(mix)]
    if options.warmup > 0:
        subprocess.run([*command, "--duration", str(options.warmup)], check=True, capture_output=True)  # noqa: S603
    cpu_before = app_cpu(app.pid)
    db_before = app.db_cpu() if app.db_cpu else None
    process = subprocess.Popen([*command, "--duration", str(options.duration)], stdout=subprocess.PIPE, text=True)  # noqa: S603
    stdout, loader_cpu = wait_with_cpu(process)
    if process.returncode != 0:
        raise SystemExit(f"bench: the busy evening's loader failed ({process.returncode}):\n{stdout}")
    result: dict[str, object] = json.loads(stdout.splitlines()[-1])
    requests = max(1, int(result["requests"]))  # type: ignore[call-overload]
    result["server_cpu_ms_per_request"] = cpu_spent(cpu_before, app_cpu(app.pid)) / requests * 1e3
    result["loader_cpu_ms_per_request"] = loader_cpu / requests * 1e3
    if app.db_cpu is not None and db_before is not None:
        result["db_cpu_ms_per_request"] = cpu_spent(db_before, app.db_cpu()) / requests * 1e3
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000, help="users for me, user and login (10,000)")
    parser.add_argument("--small", type=int, default=1_000, help="the small database for user(userName:) (1,000)")
    parser.add_argument("--large", type=int, default=100_000, help="the large database (100,000)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of load per figure (8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each figure (2)")
    parser.add_argument("--slices", type=int, default=4, help="turns each read figure is measured in (4)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients for reads (16)")
    parser.add_argument("--login-clients", type=int, default=16, help="concurrent login clients (16)")
    parser.add_argument(
        "--bcrypt-rounds",
        type=int,
        default=int(os.environ.get("BCRYPT_ROUNDS", "12")),
        help="bcrypt cost of the seeded users and the server; lower it only to check that the bench runs (12)",
    )
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--database",
        choices=databases.KINDS,
        default="sqlite",
        help="where the app's data lives (sqlite): postgres and mysql create databases of the run's own on the "
        "local server (BENCH_POSTGRES_URL, BENCH_MYSQL_URL) and drop them afterwards",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=9410,
        help="the first of four ports in a row: the app, the floor, a second app, the cached floor; a fifth for "
        "--pooler (9410)",
    )
    parser.add_argument(
        "--pooler",
        choices=["none", "pgbouncer"],
        default="none",
        help="with --database postgres: the app reaches it through a PgBouncer in transaction-pooling mode that the "
        "run starts on the fifth port (--port + 4), with DATABASE_POOLER=pgbouncer (none)",
    )
    parser.add_argument(
        "--scale-from",
        type=int,
        default=10_000,
        help="with --users above it (e.g. --users 1000000): user(userName:), a directory prefix search and the "
        "first and a deep followers page at this many users and at --users, side by side (10,000)",
    )
    parser.add_argument(
        "--star-followers",
        type=int,
        default=scale.STAR_FOLLOWERS,
        help="followers of the account whose list the scale figures page through, at most all users (100,000)",
    )
    parser.add_argument(
        "--deep-page", type=int, default=scale.DEEP_PAGE, help="the deep followers page, reached by cursor (500)"
    )
    parser.add_argument(
        "--workers",
        type=_counts,
        default=(),
        help="e.g. 1,2: me, user(userName:) and a followers page with each WORKERS count, with where the CPU goes",
    )
    parser.add_argument(
        "--evening",
        action="store_true",
        help="the busy evening: a mixed load on the app with --evening-workers workers, per kind, no error allowed",
    )
    parser.add_argument("--evening-workers", type=int, default=2, help="WORKERS for the busy evening (2)")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="REDIS_URL for the --workers and --evening servers, 'none' for none (BENCH_REDIS_URL, or the local "
        "redis://127.0.0.1:6379/0)",
    )
    parser.add_argument(
        "--extra-only",
        action="store_true",
        help="only the figures asked for by --users above --scale-from, --workers and --evening, with their floors; "
        "not the standard ones (nor issue 15's targets)",
    )
    parser.add_argument(
        "--chart", type=Path, help="also draw the figures as an SVG bar chart there (e.g. docs/bench.svg)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the JSON of the run (bench/results/latest.json; latest-postgres.json etc. for other databases, "
        "latest-postgres-million.json, -workers, -evening for an --extra-only run of those modes)",
    )
    args = parser.parse_args()
    if not (args.small < args.users and args.small < args.large):
        parser.error("need --small below --users and --large")
    if args.users > args.scale_from and args.scale_from < 100:
        parser.error("need --scale-from of at least 100")
    if args.out is None:
        args.out = ROOT / "bench" / "results" / results_name(args)
    if args.pooler != "none" and args.database != "postgres":
        parser.error("--pooler pgbouncer needs --database postgres")
    loader = args.loader if args.loader != "auto" else ("wrk" if shutil.which("wrk") else "python")
    options = Options(
        users=args.users,
        small=args.small,
        large=args.large,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        flood=args.login_clients,
        bcrypt_rounds=args.bcrypt_rounds,
        slices=args.slices,
        loader=loader,
        port=args.port,
        out=args.out,
        database=args.database,
        pooler=args.pooler,
        scale_from=args.scale_from,
        star_followers=args.star_followers,
        deep_page=args.deep_page,
        workers=args.workers,
        evening=args.evening,
        evening_workers=args.evening_workers,
        redis_url=None if args.redis == "none" else args.redis,
        chart=args.chart,
        extra_only=args.extra_only,
    )
    print(
        f"bench: {options.database}{'' if options.pooler == 'none' else ' through ' + options.pooler}, {loader}, "
        f"{options.duration:g} s a figure, bcrypt cost {options.bcrypt_rounds}",
        file=sys.stderr,
    )
    try:
        summary = run(options)
    except KeyboardInterrupt:
        print("bench: interrupted (its servers stopped, its databases dropped)", file=sys.stderr)
        return 130
    report.print_table(summary)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {options.out.relative_to(ROOT) if options.out.is_relative_to(ROOT) else options.out}")
    if options.chart is not None:
        chart.write(options.chart, [summary])
        print(f"wrote {options.chart.relative_to(ROOT) if options.chart.is_relative_to(ROOT) else options.chart}")
    if summary["evening"] and (failed := evening.failure(summary["evening"])):  # type: ignore[arg-type]
        print(f"bench: FAILED: {failed}", file=sys.stderr)
        return 1
    return 0


def results_name(args: argparse.Namespace) -> str:
    """The results file of a run without ``--out``: ``latest`` with the database, the pooler and, for an
    ``--extra-only`` run, its modes (``-million``, ``-workers``, ``-evening``), so each mode's run keeps its own
    file beside the standard run's and README's figures can be rendered from all of them (bench/readme.py)."""
    suffix = "" if args.database == "sqlite" else f"-{args.database}"
    suffix += "" if args.pooler == "none" else f"-{args.pooler}"
    if args.extra_only:
        modes = [
            mode
            for mode, asked in (
                ("million", args.users > args.scale_from),
                ("workers", bool(args.workers)),
                ("evening", args.evening),
            )
            if asked
        ]
        suffix += "".join(f"-{mode}" for mode in modes) or "-extra"
    return f"latest{suffix}.json"


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("a list of worker counts, e.g. 1,2") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a list of worker counts of at least 1, e.g. 1,2")
    return counts


if __name__ == "__main__":
    sys.exit(main())
