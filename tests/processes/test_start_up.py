"""`python main.py` refuses to start, with a clear message and exit status 2, on settings it cannot run with."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.graphql.test_persisted_queries import write_manifest
from tests.support.servers import run_main, server_environ

ROOT = Path(__file__).resolve().parents[2]


def _run_main(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), **environ}
    return subprocess.run(
        [sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_without_a_secret_refuses_to_start_with_a_clear_message(tmp_path: Path) -> None:
    result = _run_main(tmp_path, APP_ENV="production")

    assert result.returncode == 2
    assert "JWT_SECRET is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "jwt-secret").exists()


def test_short_secret_refuses_to_start(tmp_path: Path) -> None:
    result = _run_main(tmp_path, JWT_SECRET="too-short")

    assert result.returncode == 2
    assert "shorter than 32 bytes" in result.stderr


def test_python_main_refuses_to_start_with_a_bad_manifest(tmp_path: Path) -> None:
    deep = "query Deep { me { profile { website } } }"
    manifest = write_manifest(tmp_path / "manifest.json", deep)
    environ = server_environ("sqlite://:memory:", tmp_path, PERSISTED_QUERIES_FILE=str(manifest), MAX_QUERY_DEPTH="1")

    started = run_main(environ)

    assert started.returncode == 2, started.stdout + started.stderr
    assert "persisted query" in started.stderr and hashlib.sha256(deep.encode()).hexdigest() in started.stderr


def test_a_plain_http_sign_in_provider_refuses_to_start_in_production(tmp_path: Path) -> None:
    providers = '[{"name": "corp", "issuer": "http://sso.corp.example", "clientId": "c", "clientSecret": "hush-1234"}]'
    environ = server_environ("sqlite://:memory:", tmp_path, OIDC_PROVIDERS=providers)

    started = run_main(environ)

    assert started.returncode == 2, started.stdout + started.stderr
    assert "OIDC_PROVIDERS: a provider's issuer must be an https:// URL in production" in started.stderr
    assert "hush-1234" not in started.stderr and "Traceback" not in started.stderr
