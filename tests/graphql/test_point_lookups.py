"""Point lookups on an SQLite file read on the event loop's thread; they must see exactly what the async path would.

The suite's ``db`` fixture uses ``sqlite://:memory:``, where the fast path is off (a second connection would
open another database); these tests run on a file, as ``python main.py`` does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

import database
from main import create_app
from models import Follow, User
from services.people import lists, lookup
from services.people.directory import search
from settings import Settings
from tests.support import PASSWORD, Api
from tests.support.social import FOLLOW

FAST_PATH = "execute_point_lookup"


@pytest.fixture
async def file_api(tmp_path: Path, settings: Settings) -> AsyncIterator[Api]:
    url = f"sqlite://{tmp_path / 'lookup.sqlite3'}"
    async with TortoiseContext() as ctx:
        await ctx.init(config=database.tortoise_config(url, connection="sqlite_file"), _create_db=True)
        await database.migrate()
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, backend="sqlite_file")


def lookups(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.funcName for record in caplog.records if record.name == "tortoise.db_client"]


async def test_me_and_user_read_on_the_loop_thread(file_api: Api, caplog: pytest.LogCaptureFixture) -> None:
    account = await file_api.register()
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    caplog.clear()

    me = await file_api.me(account.token)

    assert me.data["me"]["userName"] == "john_doe"
    assert lookups(caplog) == [FAST_PATH]


async def test_every_committed_write_is_seen_by_the_next_read(file_api: Api) -> None:
    account = await file_api.register()
    for round_ in range(20):
        updated = await file_api.update_user(account, firstName=f"Name{round_}")
        assert not updated.errors, updated.body
        me = await file_api.me(account.token)
        assert me.data["me"]["firstName"] == f"Name{round_}"


async def test_a_password_change_revokes_the_old_token_at_once(file_api: Api) -> None:
    account = await file_api.register()
    changed = await file_api.update_user(
        account, providedOldPassword=PASSWORD, providedNewPassword="another_password_456"
    )
    assert not changed.errors, changed.body

    after = await file_api.me(account.token)

    assert after.code == "UNAUTHENTICATED"


async def test_reads_while_writes_commit_never_fail(file_api: Api) -> None:
    account = await file_api.register()
    start = asyncio.Event()

    async def read() -> None:
        await start.wait()
        result = await file_api.me(account.token)
        assert result.data["me"]["userName"] == "john_doe", result.body

    async def write(round_: int) -> None:
        await start.wait()
        result = await file_api.update_user(account, bio=f"bio {round_}")
        assert not result.errors, result.body

    for round_ in range(20):
        tasks = [asyncio.create_task(read()) for _ in range(5)] + [asyncio.create_task(write(round_))]
        await asyncio.sleep(0)
        start.set()
        await asyncio.gather(*tasks)
        start.clear()


async def test_inside_a_transaction_a_lookup_sees_its_own_writes(
    file_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    account = await file_api.register()
    user_id = int(account.user["userID"])
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")

    async with in_transaction("sqlite_file"):
        await User.filter(id=user_id).update(first_name="Inside")
        caplog.clear()
        inside = await lookup.by_id(user_id)
        used = lookups(caplog)
    outside = await lookup.by_id(user_id)

    assert inside is not None and inside.first_name == "Inside"
    assert FAST_PATH not in used
    assert outside is not None and outside.first_name == "Inside"


def _state(instance: Any) -> dict[str, Any]:
    """Every field value of an instance, its flags, and (recursively) its loaded profile."""
    state = {name: getattr(instance, name) for name in instance._meta.fields_db_projection}  # stored columns
    state["_partial"], state["_saved_in_db"] = instance._partial, instance._saved_in_db
    profile = instance.__dict__.get("_profile")
    if profile is not None:
        state["profile"] = _state(profile)
    return state


async def test_rows_read_on_the_loop_thread_become_the_instances_the_orm_makes(
    file_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = await file_api.register("viewer")
    star = await file_api.register("star")
    fan = await file_api.register("fan")
    for account in (viewer, fan):
        followed = await file_api.execute(FOLLOW, {"userName": "star"}, token=account.token)
        assert not followed.errors, followed.body
    star_id, viewer_id = int(star.user["userID"]), int(viewer.user["userID"])
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    caplog.clear()

    by_id = await lookup.by_id(star_id)
    by_name = await lookup.visible_by_name("STAR", viewer_id=viewer_id)
    page = await lists.follow_page("followers", viewer_id=viewer_id, owner_id=star_id, first=10, after=None)
    directory = await search(viewer=await lookup.by_id(viewer_id), query="fa", first=10, after=None)  # type: ignore[arg-type]

    assert set(lookups(caplog)) == {FAST_PATH}
    expected = await User.filter(id=star_id).select_related("profile").first()
    assert _state(by_id) == _state(by_name) == _state(expected)
    followers = await Follow.filter(followee_id=star_id).order_by("-id").select_related("follower__profile")
    assert [(_state(entry.user), entry.position, entry.since) for entry in page.entries] == [
        (_state(row.follower), row.id, row.created_at) for row in followers
    ]
    fans = await User.filter(user_name_key="fan").select_related("profile")
    assert [_state(entry.user) for entry in directory.entries] == [_state(user) for user in fans]
