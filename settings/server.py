"""Where and how the server runs: its environment, address, workers, database and data folder, and who
reaches it (proxies, browsers' origins, its public address)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from settings.fields import Environment, Networks, Origins, PublicUrl, Whole

POOLER_NOT_POSTGRES = (
    "DATABASE_POOLER=pgbouncer is for PostgreSQL: DATABASE_URL must be a postgres:// URL (the pooler's address)."
)


class ServerSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    app_env: Environment = Field(
        "development",
        description="`development`, `test` or `production`; production turns GraphiQL and introspection off "
        "and needs `JWT_SECRET` and `SMTP_URL`",
    )
    host: str = Field("127.0.0.1", description="address `python main.py` listens on")
    port: Whole = Field(8000, description="port `python main.py` listens on", ge=1, le=65535)
    workers: Whole = Field(
        1, description="uvicorn worker processes for `python main.py`; about one per CPU core", ge=1, le=64
    )
    database_url: str = Field(
        "",
        description="e.g. `postgres://user:pass@db:5432/users`, `mysql://user:pass@db:3306/users`",
        json_schema_extra={"shown": "SQLite file `users.sqlite3` in `DATA_DIR`"},
        repr=False,
    )  # may carry a password
    database_pooler: Literal["none", "pgbouncer"] = Field(
        "none",
        description="`pgbouncer` when DATABASE_URL names a pooler in transaction-pooling mode (PgBouncer) in front "
        "of PostgreSQL: no server-side prepared statement is kept between queries (asyncpg's statement cache off), "
        "so consecutive queries may run on different server connections; see Deploying",
    )
    data_dir: Path = Field(Path("data"), description="folder for the default SQLite file and the development secret")
    trusted_proxies: Networks = Field((), description="IPs or CIDRs whose `X-Forwarded-For` is believed")
    cors_origins: Origins = Field(
        (), description="origins allowed to call from a browser (scheme://host[:port]), space or comma separated"
    )
    public_url: PublicUrl = Field(
        "",
        description="this server's address as browsers reach it (e.g. https://api.example.com), for the provider "
        "callback URL `{PUBLIC_URL}/auth/callback/{name}` to register at each provider",
        json_schema_extra={"shown": "the request's own"},
    )

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir.resolve() / 'users.sqlite3'}"
