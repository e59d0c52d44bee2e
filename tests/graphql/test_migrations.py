"""Migrations: the committed files match the models and an old database is upgraded in place (`python main.py
migrate` through the process: tests/processes/test_database_commands.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import bcrypt
import httpx
import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

import database
from main import create_app
from settings import Settings
from tests.support import ME, PASSWORD, REFRESH, Api

INITIAL = "0001_initial"
LATER_MIGRATIONS = (
    "0002_binary_keys_on_mysql",
    "0003_sessions_and_admins",
    "0004_sessions_table",
    "0005_people",
    "0006_security_events",
    "0007_account_lifecycle",
    "0008_mail_outbox_and_tokens",
    "0009_two_factor",
    "0010_outbox_depth_index",
    "0011_session_end_reason",
    "0012_sign_in_codes",
    "0013_passkeys",
    "0014_provider_sign_in",
    "0015_provider_link_identity",
    "0016_webhook_events",
    "0017_data_exports",
    "0018_profile_pictures",
    "0019_webhook_endpoints_and_deliveries",
    "0020_signing_keys",
)


async def test_the_models_have_no_change_without_a_migration() -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config("sqlite://:memory:"))
        detector = MigrationAutodetector(ctx.apps, {database.APP: database.app_config()})
        changes = await detector.changes()

    unwritten = [(writer.name, [op.describe() for op in writer.operations]) for writer in changes]
    assert unwritten == [], "models/ changed without a migration: run `make migration` and commit it"


async def _insert_at_initial_schema(backend: str, table: str, row: dict[str, object]) -> None:
    """Write a row as the code of 0001's day would have: raw SQL against 0001's columns."""
    connection = Tortoise.get_connection(backend)
    marks = {"postgres": [f"${i}" for i in range(1, len(row) + 1)], "mysql": ["%s"] * len(row)}
    placeholders = ", ".join(marks.get(backend, ["?"] * len(row)))
    await connection.execute_query(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({placeholders})",  # noqa: S608 - names are ours
        list(row.values()),
    )


async def _old_user(backend: str, name: str, email: str, **extra: object) -> None:
    now = datetime.now(UTC).replace(tzinfo=None) if backend == "mysql" else datetime.now(UTC)
    await _insert_at_initial_schema(
        backend,
        "users",
        {
            "user_name": name,
            "user_name_key": name.casefold(),
            "first_name": "",
            "last_name": "",
            "email": email,
            "email_key": email.lower(),
            "followers_count": 0,
            "following_count": 0,
            "created_at": now,
            "account_deleted": False,
            "password_hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
            "token_version": 0,
            **extra,
        },
    )
    _, rows = await Tortoise.get_connection(backend).execute_query("SELECT MAX(id) AS id FROM users")
    profile = {"user_id": rows[0]["id"], "push_notifications": False, "account_privacy": False, "verified": False}
    await _insert_at_initial_schema(backend, "user_profiles", profile)


@pytest.mark.parametrize("turn", ["first", "second"])
async def test_each_test_gets_a_fully_migrated_database_of_its_own(api: Api, turn: str) -> None:
    # SQLite's per-test database is a copy of one migrated once per run: whichever of the two runs
    # second must still find every migration applied and none of the other's rows.
    assert await database.pending_migrations() == []
    rows = await Tortoise.get_connection(api.backend).execute_query_dict("SELECT COUNT(*) AS n FROM users")
    assert rows == [{"n": 0}]

    await api.register("john")


async def test_upgrading_a_database_made_by_the_initial_migration_keeps_its_rows(
    blank_db: str, settings: Settings
) -> None:
    await database.migrate(INITIAL)
    await _old_user(
        blank_db,
        "john_doe",
        "müller@example.com",
        phone_number="+1234567890",
        bio="written before",
        first_name="Jöhn",
        last_name="Doe",
    )
    await _old_user(blank_db, "jane", "jane@example.com")
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        api = Api(client, backend=blank_db)
        behind = await client.get("/readyz")

        applied = await database.migrate()

        assert behind.status_code == 503 and "migrations pending" in behind.json()["reason"]
        assert applied == [f"models.{name}" for name in LATER_MIGRATIONS]
        assert (await client.get("/readyz")).status_code == 200
        john = (await api.login("john_doe")).data["login"]
        me = (await api.execute(ME, token=john["accessToken"])).data["me"]
        assert (me["bio"], me["email"], me["phoneNumber"]) == ("written before", "müller@example.com", "+1234567890")
        assert (await api.login("jane@example.com")).data["login"]["user"]["userName"] == "jane"
        # 0004 gave the existing users their directory search keys.
        directory = "query($q: String!) { users(query: $q) { edges { node { userName } } } }"
        for query in ("JÖHN D", "doe", "ja"):
            found = await api.execute(directory, {"q": query}, token=john["accessToken"])
            assert [edge["node"]["userName"] for edge in found.data["users"]["edges"]] == [
                "jane" if query == "ja" else "john_doe"
            ], (query, found.body)
        # After 0002 an accented neighbour's email is free on MariaDB too.
        muller = await api.register("muller", email="muller@example.com")
        assert (await api.me(muller.token)).data["me"]["email"] == "muller@example.com"


async def test_upgrading_keeps_signed_in_users_signed_in_and_spent_tokens_spent(
    blank_db: str, settings: Settings
) -> None:
    await database.migrate("0003_sessions_and_admins")
    await _old_user(blank_db, "john_doe", "john@example.com")
    _, rows = await Tortoise.get_connection(blank_db).execute_query("SELECT id FROM users")
    now = datetime.now(UTC).replace(tzinfo=None) if blank_db == "mysql" else datetime.now(UTC)
    later = now + timedelta(days=30)

    async def old_token(token: str, family: str, **extra: object) -> None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = {"user_id": rows[0]["id"], "family": family, "token_hash": digest, "created_at": now, "expires_at": later}
        await _insert_at_initial_schema(blank_db, "refresh_tokens", {**row, **extra})

    await old_token("spent-token", "a" * 32, rotated_at=now)
    await old_token("live-token", "a" * 32)
    await old_token("revoked-token", "b" * 32, revoked_at=now)
    await old_token("other-live-token", "c" * 32)
    await database.migrate()
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        api = Api(client, backend=blank_db)

        live = await api.execute(REFRESH, {"refreshToken": "live-token"})
        revoked = await api.execute(REFRESH, {"refreshToken": "revoked-token"})
        other = await api.execute(REFRESH, {"refreshToken": "other-live-token"})
        replay = await api.execute(REFRESH, {"refreshToken": "spent-token"})
        after_replay = await api.execute(REFRESH, {"refreshToken": live.data["refreshToken"]["refreshToken"]})

    assert live.data["refreshToken"]["user"] == {"userName": "john_doe"}
    # The upgraded session ends when its newest old token would have: within REFRESH_TOKEN_TTL.
    assert live.data["refreshToken"]["refreshExpiresIn"] <= 30 * 24 * 3600
    assert revoked.code == "UNAUTHENTICATED"
    assert not other.errors  # another old session, untouched
    assert replay.code == "UNAUTHENTICATED"  # a token spent before the upgrade is still reuse ...
    assert after_replay.code == "UNAUTHENTICATED"  # ... and revokes its session
