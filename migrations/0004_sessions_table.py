"""A row per sign-in (sessions) owning its refresh tokens (session_refresh_tokens).

The old refresh_tokens table's sessions are copied, its tokens parked in a scratch table while
the model is replaced, then moved into the new table. Each family that was not revoked
becomes a session that ends when its newest refresh token would have expired (at most
REFRESH_TOKEN_TTL after the upgrade; no later rotation extends it), so signed-in users stay signed
in until then and spent tokens still count as reuse. New tables only: nothing that references users
is rebuilt on SQLite.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

COPY_SESSIONS = """
INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
SELECT family, MIN(user_id), MIN(created_at), MAX(created_at), MAX(expires_at)
FROM refresh_tokens
GROUP BY family
HAVING COUNT(revoked_at) = 0
"""

PARK_TOKENS = """
CREATE TABLE refresh_tokens_upgrade AS
SELECT family AS session_id, token_hash, created_at, expires_at, rotated_at AS used_at
FROM refresh_tokens
WHERE family IN (SELECT id FROM sessions)
"""

MOVE_TOKENS = """
INSERT INTO session_refresh_tokens (session_id, token_hash, created_at, expires_at, used_at)
SELECT session_id, token_hash, created_at, expires_at, used_at
FROM refresh_tokens_upgrade
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0003_sessions_and_admins")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Session",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_used_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("user_agent", fields.CharField(null=True, max_length=256)),
                ("ip_address", fields.CharField(null=True, max_length=45)),
            ],
            options={"table": "sessions", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.RunSQL([COPY_SESSIONS, PARK_TOKENS]),
        ops.DeleteModel(name="RefreshToken"),
        ops.CreateModel(
            name="RefreshToken",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="refresh_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "session_refresh_tokens", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.RunSQL([MOVE_TOKENS, "DROP TABLE refresh_tokens_upgrade"]),
    ]
