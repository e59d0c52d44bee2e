"""`uvicorn main:app`, the command README's Deploying section gives for process managers: every start-up
check of `python main.py` holds under it, with the same message, and a production server's log never
carries a token, whatever the request carried."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support import LOGIN, PASSWORD, REFRESH, REGISTER
from tests.support.mail import MailSink, token_in
from tests.support.servers import START_TIMEOUT, Server, run_main, running_server, server_environ

UVICORN = ("-m", "uvicorn", "main:app", "--no-proxy-headers", "--host", "127.0.0.1", "--port", "{port}")
DEEP = "query Deep { me { profile { website } } }"
VERIFY = "mutation Verify($token: String!) { verifyEmail(token: $token) { __typename } }"


def _refusal(environ: dict[str, str], log: Path) -> tuple[int | None, str]:
    """Start `uvicorn main:app`: its exit code and output if it exits, or None once it answers HTTP."""
    server = Server(environ, log, UVICORN)
    server.start()
    assert server.process is not None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            code = server.process.poll()
            if code is not None:
                return code, server.output()
            try:
                httpx.get(f"{server.url}/healthz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            return None, server.output()  # it serves
        raise AssertionError(f"uvicorn neither served nor exited:\n{server.output()}")
    finally:
        server.stop()


def _migrated(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A production environment with every requirement met, on a migrated SQLite file; then ``extra``."""
    environ = server_environ(f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path / "data")
    migrated = run_main(environ, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    return {**environ, **extra}


def _without(name: str) -> Callable[[Path], dict[str, str]]:
    def environ(tmp_path: Path) -> dict[str, str]:
        found = _migrated(tmp_path)
        del found[name]
        return found

    return environ


def _with(**extra: str) -> Callable[[Path], dict[str, str]]:
    return lambda tmp_path: _migrated(tmp_path, **extra)


def _not_migrated(tmp_path: Path) -> dict[str, str]:
    return server_environ(f"sqlite://{tmp_path / 'users.sqlite3'}", tmp_path / "data")


def _bad_manifest(tmp_path: Path) -> dict[str, str]:
    manifest = tmp_path / "manifest.json"
    sha = hashlib.sha256(DEEP.encode()).hexdigest()
    operation = {"id": sha, "name": "Deep", "type": "query", "body": DEEP}
    manifest.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]})
    )
    return _migrated(tmp_path, PERSISTED_QUERIES_FILE=str(manifest), MAX_QUERY_DEPTH="1")


def _tracing_not_installed(tmp_path: Path) -> dict[str, str]:
    """OTEL_EXPORTER_OTLP_ENDPOINT set where OpenTelemetry cannot be imported (a package that shadows it)."""
    shadow = tmp_path / "shadow" / "opentelemetry"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("not installed here")\n')
    return _migrated(tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9", PYTHONPATH=str(shadow.parent))


REFUSALS = {
    "no JWT_SECRET": (_without("JWT_SECRET"), "JWT_SECRET is not set"),
    "a short JWT_SECRET": (_with(JWT_SECRET="too-short"), "JWT_SECRET is shorter than 32 bytes"),
    "no SMTP_URL": (_without("SMTP_URL"), "SMTP_URL is not set"),
    "a bad setting": (_with(BCRYPT_ROUNDS="3"), "BCRYPT_ROUNDS: Input should be greater than or equal to 4"),
    "pending migrations": (_not_migrated, "pending migration(s)"),
    "an unreachable database": (
        lambda tmp_path: server_environ("postgres://nobody@127.0.0.1:9599/users?timeout=5", tmp_path),
        "cannot reach the database",
    ),
    "a manifest document that breaks a guard": (_bad_manifest, "persisted query"),
    "only-manifest mode without a manifest": (
        _with(PERSISTED_QUERIES_ONLY="true"),
        "PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_FILE",
    ),
    "tracing without OpenTelemetry": (_tracing_not_installed, "OpenTelemetry is not installed"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_uvicorn_refuses_to_start_as_python_main_does(tmp_path: Path, case: str) -> None:
    make_environ, message = REFUSALS[case]
    environ = make_environ(tmp_path)

    code, output = _refusal(environ, tmp_path / "uvicorn.log")
    by_main = run_main(environ)

    assert code is not None and code != 0, f"uvicorn served despite {case}:\n{output}"
    assert message in output, output
    assert "Traceback" not in output, output
    assert "Application startup failed. Exiting." in output
    assert by_main.returncode == 2, by_main.stderr
    assert message in by_main.stderr and "Traceback" not in by_main.stderr


def test_uvicorn_refuses_without_the_totp_key_once_someone_uses_two_factor(tmp_path: Path) -> None:
    with running_server(tmp_path) as development:  # SQLite in tmp_path/data, migrated on start
        variables = {"input": {"userName": "ada", "password": PASSWORD}}
        token = httpx.post(development.graphql_url, json={"query": REGISTER, "variables": variables}).json()
        begin = "mutation Begin($password: String!) { beginTwoFactorSetup(password: $password) { secret } }"
        headers = {"Authorization": f"Bearer {token['data']['register']['accessToken']}"}
        began = httpx.post(
            development.graphql_url, json={"query": begin, "variables": {"password": PASSWORD}}, headers=headers
        )
        assert began.json()["data"]["beginTwoFactorSetup"]["secret"]
    environ = server_environ(f"sqlite://{tmp_path / 'data' / 'users.sqlite3'}", tmp_path / "production")

    code, output = _refusal(environ, tmp_path / "uvicorn.log")
    by_main = run_main(environ)

    assert code is not None and code != 0, output
    assert "TOTP_ENCRYPTION_KEY is not set" in output and "Traceback" not in output, output
    assert by_main.returncode == 2 and "TOTP_ENCRYPTION_KEY is not set" in by_main.stderr


def test_uvicorn_starts_in_production_when_everything_is_set(tmp_path: Path) -> None:
    code, output = _refusal(_migrated(tmp_path), tmp_path / "uvicorn.log")

    assert code is None, output
    assert "Application startup complete." in output


def _operator_log_config(tmp_path: Path, level: int) -> list[str]:
    """uvicorn's --log-config with the operator's own handlers: the root's, and uvicorn's access line."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {"uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
    }
    path = tmp_path / "log-config.json"
    path.write_text(json.dumps(config))
    return ["--log-config", str(path)]


# uvicorn's default logging (the app's own configuration then applies); the operator's at DEBUG with uvicorn's
# access line on; and the operator's at uvicorn's TRACE (5), where uvicorn logs every ASGI scope, query strings
# included.
LOGGING = {"default": [], "debug": ["--log-level", "debug"], "trace": ["--log-level", "trace"]}


@pytest.mark.parametrize("level", LOGGING)
async def test_a_production_log_under_uvicorn_never_holds_a_token(tmp_path: Path, level: str) -> None:
    sink = MailSink()
    await sink.start()
    operator = _operator_log_config(tmp_path, 5 if level == "trace" else 10) if LOGGING[level] else []
    flags = [*operator, *LOGGING[level]]
    environ = _migrated(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{sink.port}", LOG_LEVEL="DEBUG")
    server = Server(environ, tmp_path / "uvicorn.log", (*UVICORN, *flags))
    server.start()
    try:
        await server.wait_ready()
        async with httpx.AsyncClient(base_url=server.url) as client:
            variables = {"input": {"userName": "ada", "password": PASSWORD, "email": "ada@example.com"}}
            registered = (await client.post("/graphql", json={"query": REGISTER, "variables": variables})).json()
            token = token_in((await sink.wait_for("ada@example.com"))[0])  # the verification link's
            login = {"query": LOGIN, "variables": {"userName": "ada", "password": PASSWORD}}
            logged_in = (await client.post("/graphql", json=login)).json()["data"]["login"]
            refresh = {"query": REFRESH, "variables": {"refreshToken": logged_in["refreshToken"]}}
            refreshed = (await client.post("/graphql", json=refresh)).json()["data"]["refreshToken"]
            # Tokens in query strings: a GET of GraphQL with the token in its variables and in its document,
            # the front end's link opened on the API by mistake, and a token as a query parameter.
            await client.get("/graphql", params={"query": VERIFY, "variables": json.dumps({"token": token})})
            await client.get("/graphql", params={"query": f'{{ user(userName: "{token}") {{ userName }} }}'})
            await client.get("/verify-email", params={"token": token})
            await client.get(
                "/graphql", params={"query": "{ me { userName } }", "access_token": refreshed["accessToken"]}
            )
            await client.post("/graphql", json={"query": VERIFY, "variables": {"token": token}})
    finally:
        server.stop()
        await sink.stop()

    log = server.output()
    assert "app.access: GET /verify-email - 404" in log, log  # the app's line: never a query string
    if operator:
        assert "GET /verify-email?[redacted]" in log, log  # uvicorn's access line, without what it carried
    if level == "trace":
        assert "'query_string': b'[redacted]'" in log, log
    secrets = {
        "the mailed token": token,
        "a refresh token": logged_in["refreshToken"],
        "a rotated refresh token": refreshed["refreshToken"],
        "an access token": refreshed["accessToken"],
        "the first access token": registered["data"]["register"]["accessToken"],
        "the password": PASSWORD,
    }
    leaked = [name for name, value in secrets.items() if value in log]
    assert not leaked, f"{leaked} in the log:\n{log[-4000:]}"
