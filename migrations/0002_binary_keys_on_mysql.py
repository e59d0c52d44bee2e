"""Compare the unique keys byte for byte on MySQL/MariaDB.

Their default collations ignore case and accents, so "müller@example.com" and "muller@example.com"
would be one email there and two everywhere else. The key columns already hold case-folded values;
a binary collation makes the database compare exactly those. Other backends compare exactly already.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

KEY_COLUMNS = (
    "`user_name_key` VARCHAR(25) {collate} NOT NULL",
    "`email_key` VARCHAR(254) {collate} NULL",
    "`phone_number` VARCHAR(16) {collate} NULL",
)


def _modify(collate: str) -> str:
    columns = ", ".join("MODIFY " + column.format(collate=collate) for column in KEY_COLUMNS)
    return f"ALTER TABLE `users` {columns}"


async def binary_keys(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.DIALECT == "mysql":
        await schema_editor.client.execute_script(_modify("CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))


async def default_keys(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.DIALECT == "mysql":
        await schema_editor.client.execute_script(_modify("CHARACTER SET utf8mb4"))


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(binary_keys, default_keys)]
