"""People: follows, follow requests, blocks, and the directory's search keys on users."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# --- hand-written: search-key collation and backfill ------------------------------------------------
# Prefix search is an index range (key >= q AND key < q-with-last-character-bumped), exact only when
# the column compares code points: "C" on PostgreSQL, utf8mb4_bin on MySQL/MariaDB; SQLite already does.
POSTGRES_C = (
    'ALTER TABLE "users" ALTER COLUMN "user_name_key" TYPE VARCHAR(25) COLLATE "C", '
    'ALTER COLUMN "last_name_key" TYPE VARCHAR(150) COLLATE "C", '
    'ALTER COLUMN "full_name_key" TYPE VARCHAR(301) COLLATE "C"'
)
MYSQL_BINARY = (
    "ALTER TABLE `users` "
    "MODIFY `last_name_key` VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '', "
    "MODIFY `full_name_key` VARCHAR(301) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT ''"
)
PLACEHOLDERS = {"postgres": ("$1", "$2", "$3"), "mysql": ("%s", "%s", "%s")}


async def search_keys(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    if schema_editor.DIALECT == "postgres":
        await client.execute_script(POSTGRES_C)
    elif schema_editor.DIALECT == "mysql":
        await client.execute_script(MYSQL_BINARY)
    # The keys of existing users, computed as services/people/directory.py computes them (casefold, in Python:
    # SQL's LOWER differs between backends).
    first, second, third = PLACEHOLDERS.get(schema_editor.DIALECT, ("?", "?", "?"))
    update = f"UPDATE users SET last_name_key = {first}, full_name_key = {second} WHERE id = {third}"  # noqa: S608 - placeholders only
    _, rows = await client.execute_query("SELECT id, first_name, last_name FROM users")
    for row in rows:
        full = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
        await client.execute_query(update, [row["last_name"].casefold(), full.casefold(), row["id"]])


async def no_op(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """Going back drops the columns with the rest of this migration."""


class Migration(migrations.Migration):
    dependencies = [("models", "0004_sessions_table")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Block",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "blocker",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="blocker_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="blocks_given",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "blocked",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="blocked_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="blocks_received",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "blocks",
                "app": "models",
                "unique_together": (("blocker", "blocked"),),
                "indexes": [Index(fields=["blocked_id", "blocker_id"], name="blocks_by_blocked")],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Follow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "follower",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="follower_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="following_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "followee",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="followee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="follower_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("accepted", fields.BooleanField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "follows",
                "app": "models",
                "unique_together": (("follower", "followee"),),
                "indexes": [
                    Index(fields=["followee_id", "accepted", "id"], name="follows_followee_list"),
                    Index(fields=["follower_id", "accepted", "id"], name="follows_follower_list"),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="full_name_key",
            field=fields.CharField(default="", db_default="", max_length=301),
        ),
        ops.AddField(
            model_name="User",
            name="last_name_key",
            field=fields.CharField(default="", db_default="", max_length=150),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["full_name_key"], name="users_full_name_key"),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["last_name_key"], name="users_last_name_key"),
        ),
        ops.RunPython(search_keys, no_op),
    ]
