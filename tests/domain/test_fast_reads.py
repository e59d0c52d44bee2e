"""The Tortoise privates models/fast_reads.py relies on, one test each, on real databases.

A Tortoise release that changes one fails here (or at import, in ``_check_privates``), loudly, instead of
the fast read path giving a wrong answer in production.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.context import TortoiseContext
from tortoise.expressions import F, Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

import database
from models import Block, Follow, User, fast_reads
from models.fast_reads import (
    Prepared,
    PreparedFirst,
    PreparedRows,
    PreparedUnionRows,
    compile_queryset,
    connection_for,
    connection_pool,
    execute_point_lookup,
    instance_factory,
    related_attribute,
    row_factory,
    run_executor,
    sqlite_connection,
)
from models.user import UserProfile

PLACEHOLDER = {"sqlite": r"\?", "postgres": r"\$\d+", "mysql": "%s"}


async def make_user(name: str) -> User:
    user = await User.create(
        user_name=name,
        user_name_key=name,
        password_hash="x" * 60,
        email=f"{name}@example.com",
        email_key=f"{name}@example.com",
    )
    await UserProfile.create(user=user, website=f"https://{name}.example", gender="other", verified=True)
    return user


@pytest.fixture
async def file_db(tmp_path: Path) -> AsyncIterator[str]:
    """A migrated SQLite file, where reads outside a transaction take the event loop's thread."""
    async with TortoiseContext() as ctx:
        url = f"sqlite://{tmp_path / 'fast.sqlite3'}"
        await ctx.init(config=database.tortoise_config(url, connection="sqlite_file"), _create_db=True)
        await database.migrate()
        yield "sqlite_file"


def state(instance: Any) -> dict[str, Any]:
    """Everything an instance holds (flags, fields, annotations), loaded related instances compared the same way."""
    return {key: state(value) if isinstance(value, Model) else value for key, value in vars(instance).items()}


# Model._choose_db


async def test_the_connection_for_a_read_is_the_transactions_inside_one(db: str) -> None:
    outside = connection_for(User)
    async with in_transaction(db) as transaction:
        inside = connection_for(User)

    assert outside is User._meta.db and not isinstance(outside, TransactionalDBClient)
    assert inside is transaction and isinstance(inside, TransactionalDBClient)


# QuerySet.sql() and get_parameterized_sql(): each marker is one parameter, found by identity


async def test_each_value_is_one_parameter_of_the_compiled_sql(db: str) -> None:
    ann = await make_user("ann")
    lookup = PreparedFirst(
        User, lambda key, other: User.filter(user_name_key=key).exclude(id=other).select_related("profile"), str, int
    )

    found = await lookup.first("ann", ann.id + 1)
    excluded = await lookup.first("ann", ann.id)

    assert found is not None and found.id == ann.id and found.profile.website == "https://ann.example"
    assert excluded is None
    [(sql, params, positions, _, _)] = lookup._compiled.values()
    assert len(re.findall(PLACEHOLDER[connection_for(User).capabilities.dialect], sql)) == len(params) == 3  # LIMIT 1
    assert all(params[position] is slot for position, slot in zip(positions, lookup._slots, strict=True))


async def test_a_value_tortoise_converts_or_a_query_uses_twice_fails_to_compile(db: str) -> None:
    converted = Prepared(Follow, lambda accepted: Follow.filter(accepted=accepted), int)  # a boolean column
    twice = Prepared(User, lambda value: User.filter(Q(id=value) | Q(followers_count=value)), int)

    with pytest.raises(RuntimeError, match="0 times in the compiled parameters"):
        await converted.all(1)
    with pytest.raises(RuntimeError, match="2 times in the compiled parameters"):
        await twice.all(1)


# QuerySet._select_related_idx and AwaitableQuery._annotations


async def test_the_row_layout_says_where_each_models_columns_are(db: str) -> None:
    ann = await make_user("ann")
    query = User.filter(id=ann.id).annotate(place=F("user_name_key")).select_related("profile")

    sql, params, layout, annotations = compile_queryset(query)
    _, rows = await connection_for(User).execute_query(sql, params)

    assert layout is not None and annotations == ["place"]
    user_columns, profile_columns = len(User._meta.db_fields) + 1, len(UserProfile._meta.db_fields)
    assert [(entry[0], entry[1], entry[4]) for entry in layout] == [
        (User, user_columns, (None,)),
        (UserProfile, profile_columns, (None, "profile")),
    ]
    columns = list(dict(rows[0]))
    assert set(columns[:user_columns]) == {*User._meta.db_fields, "place"}
    assert {column.split(".", 1)[1] for column in columns[user_columns:]} == set(UserProfile._meta.db_fields)


# Model._init_from_db


async def test_an_instance_from_a_rows_columns_is_the_orms_and_saves_as_an_update(db: str) -> None:
    ann = await make_user("ann")
    sql, params, _, _ = compile_queryset(User.filter(id=ann.id))
    _, rows = await connection_for(User).execute_query(sql, params)

    made = instance_factory(User)(**dict(rows[0]))
    made.first_name = "Changed"
    await made.save()

    assert state(made) | {"first_name": None} == state(await User.get(id=ann.id)) | {"first_name": None}
    assert await User.all().count() == 1 and (await User.get(id=ann.id)).first_name == "Changed"


async def test_a_row_factory_makes_the_instance_init_from_db_makes_of_the_same_columns(db: str) -> None:
    ann = await make_user("ann")
    await User.filter(id=ann.id).update(suspended_at=ann.created_at, account_deleted=True)  # converted fields set
    sql, params, _, _ = compile_queryset(User.filter(id=ann.id))
    _, rows = await connection_for(User).execute_query(sql, params)
    keys, values = fast_reads._columns(rows[0]), fast_reads._values(rows[0])

    made = row_factory(User, keys)(values)
    part = row_factory(User, keys[:3])(values[:3])  # not every column: _init_from_db's partial instance

    assert state(made) == state(instance_factory(User)(**dict(zip(keys, values, strict=True))))
    assert made.account_deleted is True and made.suspended_at == ann.created_at
    assert state(part) == state(instance_factory(User)(**dict(zip(keys[:3], values[:3], strict=True))))
    assert part._partial is True


# The ``_<relation>`` attribute holding a select_related object


async def test_a_select_related_object_lives_in_the_underscored_relation_attribute(db: str) -> None:
    ann = await make_user("ann")
    loaded = await User.filter(id=ann.id).select_related("profile").first()
    bare = await User.get(id=ann.id)
    profile = await UserProfile.get(user_id=ann.id)

    object.__setattr__(bare, related_attribute("profile"), profile)

    assert loaded is not None and vars(loaded)[related_attribute("profile")] is loaded.profile
    assert bare.profile is profile


# The executor's execute_select reads its rows through db.execute_query, once


async def test_the_executor_makes_instances_of_the_rows_it_is_handed(db: str) -> None:
    ann, bob = await make_user("ann"), await make_user("bob")
    client = connection_for(User)
    of_ann = compile_queryset(User.filter(id=ann.id).annotate(place=F("user_name_key")).select_related("profile"))
    sql, params, layout, annotations = compile_queryset(
        User.filter(id=bob.id).annotate(place=F("user_name_key")).select_related("profile")
    )
    _, bob_rows = await client.execute_query(sql, params)

    handed = await run_executor(client, User, *of_ann, rows=bob_rows)
    ran = await run_executor(client, User, *of_ann)

    assert [(user.id, user.place, user.profile.website) for user in handed] == [  # type: ignore[attr-defined]
        (bob.id, "bob", "https://bob.example")
    ]
    assert [(user.id, user.place) for user in ran] == [(ann.id, "ann")]  # type: ignore[attr-defined]
    assert layout == of_ann[2] and annotations == of_ann[3]


async def test_rows_read_on_the_loop_thread_become_exactly_the_executors_instances(file_db: str) -> None:
    star, fan = await make_user("star"), await make_user("fan")
    await Follow.create(follower=fan, followee=star, accepted=True)
    query = (
        User.filter(following_rows__followee_id=star.id)
        .annotate(position=F("following_rows__id"), since=F("following_rows__created_at"))
        .select_related("profile")
    )
    client = connection_for(User)
    sql, params, layout, annotations = compile_queryset(query)
    rows = execute_point_lookup(client, sql, params)
    assert rows is not None and layout is not None

    fast = fast_reads._Hydrator(layout, annotations, rows[0].keys()).instance(rows[0])
    [orm] = await run_executor(client, User, sql, params, layout, annotations)

    assert state(fast) == state(orm) and state(fast)["_profile"]["website"] == "https://fan.example"


async def test_rows_any_driver_reads_become_exactly_the_executors_instances(db: str) -> None:
    star, fan, other = await make_user("star"), await make_user("fan"), await make_user("other")
    await Follow.create(follower=fan, followee=star, accepted=True)
    await Follow.create(follower=other, followee=star, accepted=True)
    query = (
        User.filter(following_rows__followee_id=star.id)
        .annotate(position=F("following_rows__id"), since=F("following_rows__created_at"))
        .order_by("-position")
        .select_related("profile")
    )
    client = connection_for(User)
    sql, params, layout, annotations = compile_queryset(query)
    _, rows = await client.execute_query(sql, params)  # asyncpg Records, MySQL dicts, sqlite3 rows
    assert layout is not None and len(rows) == 2

    hydrator = fast_reads._Hydrator(layout, annotations, fast_reads._columns(rows[0]))
    fast = [hydrator.instance(row) for row in rows]
    orm = await run_executor(client, User, sql, params, layout, annotations)
    prepared = await Prepared(
        User,
        lambda owner: (
            User.filter(following_rows__followee_id=owner)
            .annotate(position=F("following_rows__id"), since=F("following_rows__created_at"))
            .order_by("-position")
            .select_related("profile")
        ),
        int,
    ).all(star.id)

    assert [state(user) for user in fast] == [state(user) for user in orm] == [state(user) for user in prepared]
    assert [user.profile.website for user in prepared] == ["https://other.example", "https://fan.example"]


async def test_a_union_reads_each_parts_rows_in_one_statement_its_narrower_part_padded_with_nulls(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    ann, bob, cat = await make_user("ann"), await make_user("bob"), await make_user("cat")
    await Follow.create(follower=ann, followee=bob, accepted=True)
    await Follow.create(follower=cat, followee=ann, accepted=False)
    await Block.create(blocker=ann, blocked=cat)
    await Block.create(blocker=bob, blocked=cat)  # not ann's: the parts' own conditions still hold
    union = PreparedUnionRows(
        PreparedRows(
            Follow,
            lambda viewer, again: Follow.filter(Q(follower_id=viewer) | Q(followee_id=again)),
            int,
            int,
            columns=("follower_id", "followee_id", "accepted"),
        ),
        PreparedRows(Block, lambda viewer: Block.filter(blocker_id=viewer), int, columns=("blocker_id", "blocked_id")),
    )

    caplog.set_level("DEBUG", logger="tortoise.db_client")
    caplog.clear()
    rows = await union.rows(ann.id, ann.id, ann.id)
    statements = [record for record in caplog.records if record.name == "tortoise.db_client"]
    rows_for_bob = await union.rows(bob.id, bob.id, bob.id)

    assert len(statements) == 1
    assert sorted((a, b, None if accepted is None else bool(accepted)) for a, b, accepted in rows) == sorted(
        [(ann.id, bob.id, True), (cat.id, ann.id, False), (ann.id, cat.id, None)]
    )
    assert sorted((a, b, None if c is None else bool(c)) for a, b, c in rows_for_bob) == sorted(
        [(ann.id, bob.id, True), (bob.id, cat.id, None)]
    )


# SqliteClient._connection


async def test_the_sqlite_clients_connection_is_its_live_aiosqlite_connection(file_db: str) -> None:
    client = connection_for(User)
    first = sqlite_connection(client)
    reader = fast_reads._reader(client)  # type: ignore[arg-type]

    await client.close()
    closed = sqlite_connection(client)
    await client.create_connection(with_db=True)
    second = sqlite_connection(client)

    assert isinstance(first, aiosqlite.Connection) and closed is None
    assert isinstance(second, aiosqlite.Connection) and second is not first
    assert reader is not None and fast_reads._reader(client) is not reader  # type: ignore[arg-type]


# The PostgreSQL and MySQL clients' _pool


async def test_the_pool_of_a_server_database_is_the_drivers_pool(db: str) -> None:
    pool = connection_pool(connection_for(User))

    if db == "sqlite":
        assert pool is None
    else:
        assert pool is not None and (hasattr(pool, "get_size") or hasattr(pool, "size"))
        assert (await database.pool_connections() or 0) >= 1


# The import-time check names what changed


@pytest.mark.parametrize("name", ["_init_from_db", "_choose_db"])
def test_a_missing_private_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.delattr(Model, name)

    with pytest.raises(
        RuntimeError, match=rf"tortoise-orm \S+ changed Model\.{name}; models/fast_reads.py must be updated"
    ):
        fast_reads._check_privates()
