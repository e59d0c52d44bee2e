"""The admin commands through the process: `python main.py create-admin` and `disable-2fa`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from main import create_app
from settings import Settings
from tests.graphql.test_admin import LOGIN_ADMIN, is_admin
from tests.graphql.test_two_factor import enable, login, reason
from tests.support import PASSWORD, Api, replace

ROOT = Path(__file__).resolve().parents[2]
CLI_SECRET = "cli-test-secret-of-more-than-thirty-two-bytes"


def _create_admin(data_dir: Path, user_name: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(data_dir),
        "JWT_SECRET": CLI_SECRET,
        "APP_ENV": "development",
    }
    return subprocess.run(  # noqa: S603 - our own CLI, a name chosen by the test
        [sys.executable, "main.py", "create-admin", user_name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _on_disk(settings: Settings, tmp_path: Path, user_name: str, *, register: bool) -> bool:
    """Start the real app on the SQLite file under ``tmp_path``; optionally register; return isAdmin."""
    app = create_app(replace(settings, data_dir=tmp_path, database_url=""))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend="sqlite")
        if register:
            await api.register(user_name)
        login = await api.execute(LOGIN_ADMIN, {"userName": user_name, "password": PASSWORD})
        assert not login.errors, login.body
        token = login.data["login"]["accessToken"]
        assert login.data["login"]["user"]["isAdmin"] == await is_admin(api, token)
        return await is_admin(api, token)


async def test_create_admin_promotes_an_existing_user(tmp_path: Path, settings: Settings) -> None:
    assert await _on_disk(settings, tmp_path, "ann", register=True) is False

    result = _create_admin(tmp_path, "ann")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ann is now an admin."
    assert "Traceback" not in result.stderr
    assert await _on_disk(settings, tmp_path, "ann", register=False) is True


async def test_create_admin_for_an_unknown_user_fails_clearly(tmp_path: Path, settings: Settings) -> None:
    assert await _on_disk(settings, tmp_path, "ann", register=True) is False

    result = _create_admin(tmp_path, "nobody")

    assert result.returncode == 1
    assert "nobody" in result.stderr and "Register the account first" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert await _on_disk(settings, tmp_path, "ann", register=False) is False


def _disable_2fa_cli(data_dir: Path, user_name: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(data_dir),
        "APP_ENV": "development",
        "JWT_SECRET": "cli-test-secret-of-more-than-thirty-two-bytes",
    }
    return subprocess.run(  # noqa: S603 - our own CLI, a name chosen by the test
        [sys.executable, "main.py", "disable-2fa", user_name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_disable_2fa_command(tmp_path: Path, settings: Settings) -> None:
    app = create_app(replace(settings, data_dir=tmp_path, database_url=""))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend="sqlite")
        await enable(api, await api.register("ann"))
        assert reason(await login(api, "ann")) == "OTP_REQUIRED"

        unknown = _disable_2fa_cli(tmp_path, "nobody")
        result = _disable_2fa_cli(tmp_path, "ann")

        assert (unknown.returncode, unknown.stdout) == (1, "")
        assert "nobody" in unknown.stderr and "Traceback" not in unknown.stderr
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "Two-factor sign-in is off for ann; every session of it has ended."
        assert not (await login(api, "ann")).errors
