"""Hot reads whose SQL is built once per connection and then only run with new values.

Tortoise turns a queryset into SQL in Python on every run: about 0.3 ms for a user with its profile
(select_related), half the time of a whole ``me`` request, and more for a page of a list. The rows still
go through Tortoise's own executor, so the instances (select_related objects and annotations included)
are exactly the queryset's. ``PreparedFirst`` reads one row, ``Prepared`` a page, ``PreparedRows`` plain
tuples. They serve the point lookups and pages of services/users.py and the relations of
services/social.py, and nothing else: the rest of the code uses the ORM as usual.

On an SQLite file, outside a transaction, a read goes through a second, read-only ``sqlite3``
connection on the event loop's own thread: a 15 µs indexed read (or a page of one index range) costs
less than aiosqlite's hand-off to its worker thread and the wake-up back. WAL lets it read the last
committed state while the other connection writes. Inside a transaction (which must see its own writes),
for ``:memory:`` (a second connection would open another database) and on any error, the read takes the
async path as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)


Compiled = tuple[str, list[Any], list[int], Any]


class _Statement:
    """The SQL of ``build(*placeholders)`` per dialect and connection, with where each given value goes."""

    def __init__(self, model: type[Model], build: Callable[..., Any], *placeholders: object) -> None:
        self._model = model
        self._build = build
        self._placeholders = placeholders
        self._compiled: dict[tuple[type[BaseDBAsyncClient], str], Compiled] = {}

    def _bind(self, given: tuple[object, ...]) -> tuple[BaseDBAsyncClient, str, list[Any], Any]:
        db = self._model._choose_db()
        # The SQL depends on the dialect only; transactions wrap the same connection name.
        key = (type(db), db.connection_name)
        sql, params, indexes, hydration = self._compiled.get(key) or self._compile(db, key)
        values = list(params)
        for index, value in zip(indexes, given, strict=True):
            values[index] = value
        return db, sql, values, hydration

    def _query(self, db: BaseDBAsyncClient) -> Any:
        return self._build(*self._placeholders).using_db(db)

    def _compile(self, db: BaseDBAsyncClient, key: tuple[type[BaseDBAsyncClient], str]) -> Compiled:
        query = self._query(db)
        query._make_query()
        sql, params = query.query.get_parameterized_sql()
        if any(params.count(placeholder) != 1 for placeholder in self._placeholders):
            raise ValueError(f"the query must use each placeholder exactly once: {sql}")
        indexes = [params.index(placeholder) for placeholder in self._placeholders]
        # For a model query: how its rows become instances (select_related objects, annotations).
        hydration = (getattr(query, "_select_related_idx", None), list(getattr(query, "_annotations", {})))
        compiled = (sql, params, indexes, hydration)
        self._compiled[key] = compiled
        return compiled


class Prepared(_Statement, Generic[M]):
    """``build(*values)`` for any ``values``, compiled once per connection; ``all`` runs it.

    ``build`` must use each placeholder value exactly once, and each value must be what its column
    stores (the queryset's own conversion ran once, on the placeholder). Rows become instances
    (select_related objects included) through Tortoise's own executor.
    """

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]], *placeholders: object) -> None:
        super().__init__(model, build, *placeholders)
        self._hydrators: dict[str, _Hydrator] = {}

    async def all(self, *given: object) -> list[M]:
        db, sql, values, (select_related_idx, annotations) = self._bind(given)
        rows = execute_point_lookup(db, sql, values)
        if rows is not None and _Hydrator.handles(select_related_idx):
            if not rows:
                return []
            hydrator = self._hydrators.get(sql) or self._hydrators.setdefault(
                sql, _Hydrator(select_related_idx, annotations, rows[0].keys())
            )
            return [hydrator.instance(row) for row in rows]
        reader = db if rows is None else cast(BaseDBAsyncClient, _Fetched(db, rows))
        executor = db.executor_class(model=self._model, db=reader, select_related_idx=select_related_idx)
        found: list[M] = await executor.execute_select(sql, values, custom_fields=annotations or None)
        return found


class PreparedRows(_Statement):
    """``build(*values).values_list(*columns)``, compiled once per connection; ``rows`` gives plain tuples
    in the columns' order, as the driver returns them (an SQLite or MySQL boolean is 0 or 1)."""

    def __init__(
        self, model: type[Model], build: Callable[..., QuerySet[Any]], *placeholders: object, columns: Sequence[str]
    ) -> None:
        super().__init__(model, build, *placeholders)
        self._columns = tuple(columns)

    def _query(self, db: BaseDBAsyncClient) -> Any:
        return self._build(*self._placeholders).using_db(db).values_list(*self._columns)

    async def rows(self, *given: object) -> list[tuple[Any, ...]]:
        db, sql, values, _ = self._bind(given)
        rows: Sequence[Any] | None = execute_point_lookup(db, sql, values)
        if rows is None:
            _, rows = await db.execute_query(sql, values)
        return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


class PreparedFirst(Prepared[M]):
    """``build(*values).first()`` for any ``values``, compiled once per connection."""

    async def first(self, *given: object) -> M | None:
        found = await self.all(*given)
        return found[0] if found else None

    def _query(self, db: BaseDBAsyncClient) -> QuerySet[M]:
        query: QuerySet[M] = self._build(*self._placeholders)
        return query.limit(1).using_db(db)


def execute_point_lookup(db: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[sqlite3.Row] | None:
    """The rows of a short indexed read on the calling thread, or None where the async path must run it."""
    if not isinstance(db, SqliteClient) or isinstance(db, TransactionalDBClient) or db.filename == ":memory:":
        return None
    reader = _reader(db)
    if reader is None:
        return None
    db.log.debug("%s: %s", sql, values)  # as Tortoise logs what it runs (the query-count tests read it)
    try:
        return reader.execute(sql, values).fetchall()
    except sqlite3.Error:
        return None  # busy, or anything odd: the async path runs it and reports errors as Tortoise does


def _reader(db: SqliteClient) -> sqlite3.Connection | None:
    """The read-only twin of ``db``'s connection; renewed when Tortoise reconnects."""
    owner = db._connection
    if owner is None:
        return None
    cached = db.__dict__.get("_point_reader")
    if cached is not None and cached[0] is owner:
        return cast(sqlite3.Connection, cached[1])
    if cached is not None:
        cached[1].close()
    try:
        # timeout=0: never wait for a lock on the event loop's thread; the async path waits instead.
        reader = sqlite3.connect(f"file:{db.filename}?mode=ro", uri=True, timeout=0, check_same_thread=False)
    except sqlite3.Error:
        return None
    reader.row_factory = sqlite3.Row
    db.__dict__["_point_reader"] = (owner, reader)
    return reader


class _Hydrator:
    """Rows read on the loop thread made into instances as Tortoise's executor makes them (``execute_select``:
    ``_init_from_db`` of the model and of each select_related model, linked by ``_<relation>``, annotations
    as attributes), without the executor's per-call set-up and per-row copies. Built once per statement
    from its columns; ``tests/e2e/test_point_lookups.py`` checks it against the executor."""

    def __init__(self, select_related_idx: Any, annotations: Sequence[str], columns: Sequence[str]) -> None:
        self._model = select_related_idx[0][0]
        self._count = select_related_idx[0][1]
        self._keys = tuple(columns[: self._count])
        self._annotations = tuple(annotations)
        self._related: list[tuple[type[Model], int, int, tuple[str, ...], tuple[Any, ...], str]] = []
        start = self._count
        for model, count, *_, full_path in select_related_idx[1:]:
            *path, attr = full_path
            keys = tuple(column.split(".", 1)[1] for column in columns[start : start + count])
            self._related.append((model, start, start + count, keys, tuple(path), f"_{attr}"))
            start += count

    @staticmethod
    def handles(select_related_idx: Any) -> bool:
        """Every model in the row has columns of its own (Tortoise's ``only()`` fillers are not handled)."""
        return bool(select_related_idx) and all(entry[1] > 0 for entry in select_related_idx)

    def instance(self, row: sqlite3.Row) -> Any:
        instance = self._model._init_from_db(**dict(zip(self._keys, row[: self._count], strict=True)))
        instances: dict[tuple[Any, ...], Any] = {(None,): instance}
        for model, start, stop, keys, path, attr in self._related:
            values = row[start:stop]
            related = model._init_from_db(**dict(zip(keys, values, strict=True))) if any(values) else None
            target = instances.get(path)
            if target is not None:
                object.__setattr__(target, attr, related)
            if related is not None:
                instances[(*path, attr[1:])] = related
        for name in self._annotations:
            object.__setattr__(instance, name, row[name])
        return instance


class _Fetched:
    """``db`` with one query's rows already read: Tortoise's executor hydrates them as its own."""

    def __init__(self, db: BaseDBAsyncClient, rows: Sequence[sqlite3.Row]) -> None:
        self._db = db
        self._rows = rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    async def execute_query(self, query: str, values: list[Any] | None = None) -> tuple[int, Sequence[sqlite3.Row]]:
        return len(self._rows), self._rows
