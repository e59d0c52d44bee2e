"""DATABASE_POOLER: off by default; `pgbouncer` turns asyncpg's statement cache off, and is refused for a
database that is not PostgreSQL (tests/processes/test_pgbouncer.py runs the server behind a real PgBouncer)."""

from __future__ import annotations

from pathlib import Path

import pytest

import database
from settings import Settings, SettingsError

SECRET_48 = "s" * 48
POSTGRES = "postgres://app@127.0.0.1:6432/users"


def read(tmp_path: Path, **environ: str) -> Settings:
    return Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, **environ})


def credentials(settings: Settings) -> dict[str, object]:
    connection: dict[str, dict[str, object]] = database.config_for(settings)["connections"]["default"]
    return connection["credentials"]


def test_by_default_asyncpg_keeps_its_statement_cache(tmp_path: Path) -> None:
    settings = read(tmp_path, DATABASE_URL=POSTGRES)

    assert settings.database_pooler == "none"
    assert "statement_cache_size" not in credentials(settings)


def test_behind_pgbouncer_no_prepared_statement_is_cached(tmp_path: Path) -> None:
    settings = read(tmp_path, DATABASE_URL=POSTGRES, DATABASE_POOLER="pgbouncer")

    assert credentials(settings)["statement_cache_size"] == 0
    assert (credentials(settings)["host"], credentials(settings)["port"]) == ("127.0.0.1", 6432)


@pytest.mark.parametrize("url", ["", "sqlite:///tmp/users.sqlite3", "mysql://root@127.0.0.1:3306/users"])
def test_pgbouncer_with_a_database_that_is_not_postgresql_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="DATABASE_POOLER=pgbouncer is for PostgreSQL"):
        read(tmp_path, DATABASE_URL=url, DATABASE_POOLER="pgbouncer")


def test_an_unknown_pooler_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATABASE_POOLER"):
        read(tmp_path, DATABASE_URL=POSTGRES, DATABASE_POOLER="pgpool")
