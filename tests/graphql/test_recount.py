"""`python main.py recount`: counters rebuilt from the follow rows, the fixes printed, errors a non-zero exit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tortoise import Tortoise
from tortoise.context import TortoiseContext

import database
from models import Follow, User
from services.people import counters
from tests.support import Api
from tests.support.servers import run_main, server_environ
from tests.support.social import counts, follow, rows_agree_with_counters


async def test_recount_fixes_counters_corrupted_behind_the_services_back(api: Api) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    await api.register("cat")
    await follow(api, ann, "bob")
    await follow(api, bob, "ann")
    db = Tortoise.get_connection(api.backend)
    await db.execute_script("UPDATE users SET followers_count = 7 WHERE user_name_key = 'bob'")
    await db.execute_script("UPDATE users SET following_count = -2 WHERE user_name_key = 'cat'")

    fixes = await counters.recount()

    assert sorted(fixes, key=lambda fix: fix.user_name) == [
        counters.CountFix("bob", "followersCount", 7, 1),
        counters.CountFix("cat", "followingCount", -2, 0),
    ]
    assert await counts(api, ann, "bob") == (1, 1)
    assert await counts(api, ann, "cat") == (0, 0)
    assert await rows_agree_with_counters(api.backend) == []
    assert await counters.recount() == []  # nothing left to fix


async def _database_with_a_wrong_count(path: Path) -> str:
    url = f"sqlite:///{path}"
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(url), _create_db=True)
        await database.migrate()
        ann = await User.create(user_name="ann", user_name_key="ann", password_hash="x", following_count=1)
        bob = await User.create(user_name="bob", user_name_key="bob", password_hash="x", followers_count=5)
        await Follow.create(follower=ann, followee=bob, accepted=True)
    return url


async def test_the_command_prints_what_it_fixed(tmp_path: Path) -> None:
    path = tmp_path / "users.sqlite3"
    environ = server_environ(await _database_with_a_wrong_count(path), tmp_path)

    first = run_main(environ, "recount")
    second = run_main(environ, "recount")

    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["fixed bob: followersCount 5 -> 1", "1 count(s) fixed."]
    assert (second.returncode, second.stdout.strip()) == (0, "Every count matches the rows.")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT followers_count FROM users WHERE user_name = 'bob'").fetchone() == (1,)


def test_a_database_error_exits_non_zero(tmp_path: Path) -> None:
    unmigrated = server_environ(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    unreachable = server_environ("postgres://nobody:secret@127.0.0.1:1/users", tmp_path)

    no_tables = run_main(unmigrated, "recount")
    no_server = run_main(unreachable, "recount")

    assert no_tables.returncode == 1
    assert "error: recount stopped" in no_tables.stderr and "Traceback" not in no_tables.stderr
    assert no_server.returncode == 2
    assert "cannot reach the database" in no_server.stderr
