"""The command printed for a database that does not exist: the server's own client, never the password."""

from __future__ import annotations

import pytest

from database import create_command


@pytest.mark.parametrize(
    ("url", "command"),
    [
        ("postgres://postgres@127.0.0.1:5432/users", "createdb -h 127.0.0.1 -p 5432 -U postgres users"),
        ("postgres://app:s3cret@db.internal/users", "createdb -h db.internal -p 5432 -U app users"),
        (
            "mysql://root:s3cret@127.0.0.1:3306/users",
            "mariadb -h 127.0.0.1 -P 3306 -u root -p -e 'CREATE DATABASE `users` CHARACTER SET utf8mb4'",
        ),
    ],
)
def test_the_command_names_server_user_and_database_and_asks_for_the_password(url: str, command: str) -> None:
    assert create_command(url) == command
    assert "s3cret" not in create_command(url)
