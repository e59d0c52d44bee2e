"""The recount: counters rebuilt from the follow rows (the `python main.py recount` command, its output and exit
status: tests/processes/test_database_commands.py)."""

from __future__ import annotations

from tortoise import Tortoise

from services.people import counters
from tests.support import Api
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
