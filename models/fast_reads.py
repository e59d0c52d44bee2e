"""The fast read path: every read that bypasses the ORM, and the only module that may touch an ORM private.

Tortoise turns a queryset into SQL in Python on every run: about 0.3 ms for a user with its profile
(select_related), half the time of a whole ``me`` request, and more for a page of a list. Here a queryset
is compiled once per connection and then only run with new values; the rows still become instances as
Tortoise's executor makes them (select_related objects and annotations included). ``PreparedFirst`` reads
one row, ``Prepared`` a page, ``PreparedRows`` plain tuples, ``PreparedUnionRows`` several ``PreparedRows`` in
one statement, ``PreparedValues`` a page's columns made straight into the caller's own objects (no instance
per row), ``wrapped_rows`` runs a queryset's SQL inside SQL of our own. They serve the point lookups, pages
and directory of services/people/ (lookup.py, lists.py, directory.py) and the relations of
services/people/relationships.py, and nothing else: the rest of the code uses the ORM as usual.

On every backend a prepared read's rows become instances through ``_Hydrator`` (built once per statement from
its columns), not through the executor's per-call set-up: on PostgreSQL and MySQL the rows come from the
client's own ``execute_query`` (asyncpg prepares each statement once per connection, or unnamed in the same
round trip behind PgBouncer; no named statement outlives a query there), so a read is one round trip and no
per-call query building. (database.py also spares asyncpg's pool its reset query after each read.)

On an SQLite file, outside a transaction, a read goes through a second, read-only ``sqlite3``
connection on the event loop's own thread: a 15 µs indexed read (or a page of one index range) costs
less than aiosqlite's hand-off to its worker thread and the wake-up back. WAL lets it read the last
committed state while the other connection writes. Inside a transaction (which must see its own writes),
for ``:memory:`` (a second connection would open another database) and on any error, the read takes the
async path as before.

The Tortoise privates used, all in the section "The Tortoise privates we use" below, checked at import
(a RuntimeError naming the one that changed, never a wrong answer later) and each tested in
``tests/domain/test_fast_reads.py``: ``Model._choose_db``, ``QuerySet._select_related_idx`` (and the shape
of its entries), ``AwaitableQuery._annotations``, ``Model._init_from_db`` (and the four flags it sets, which
``row_factory`` sets the same way in an instance's ``__dict__``), the ``_<relation>`` attribute holding a
select_related object, ``SqliteClient._connection``, and the PostgreSQL and MySQL clients'
``_pool`` (for database.py's pool gauges); not underscored but internal: the executor's ``execute_select``
reading its rows through ``db.execute_query``, once. ``Model._meta`` is not counted: it is Tortoise's model
description, used throughout its own contrib modules and docs. No other module touches a library private
(``tests/unit/test_no_privates.py``).

Values are bound through marker objects found by identity in the compiled parameters: no sentinel value
that a real one could equal.

Why not plain ORM queries plus SQL of our own: the SQL would be written per dialect by hand, and the rows
would still need ``_init_from_db`` to become instances as cheaply; compiling the ORM's own queryset once
keeps one definition of each query (in services/people/) and the speed.
"""

from __future__ import annotations

import inspect
import operator
import re
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

import tortoise
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.base.executor import BaseExecutor
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.models import Model
from tortoise.queryset import AwaitableQuery, QuerySet

M = TypeVar("M", bound=Model)
T = TypeVar("T")

# ----------------------------------------------------------------------------------------------------------
# The Tortoise privates we use. The rest of this module (and of the project) calls only these functions.
# Each was checked with tortoise-orm CHECKED_WITH; _check_privates() runs at import.

CHECKED_WITH = "1.1.9"

# One entry per model in a row: (model, its column count, table, model, path of relations to it).
SelectRelatedIdx = list[tuple[type[Model], int, Any, type[Model], Any]]


def changed(name: str) -> RuntimeError:
    """The error for a private that no longer has the shape relied on."""
    return RuntimeError(
        f"tortoise-orm {tortoise.__version__} changed {name}; models/fast_reads.py must be updated"
        f" (checked with {CHECKED_WITH})"
    )


def connection_for(model: type[Model]) -> BaseDBAsyncClient:
    """``Model._choose_db()`` (1.1.9): the connection a read of ``model`` runs on now (routers, transaction)."""
    return model._choose_db()


def compile_queryset(query: AwaitableQuery[Any]) -> tuple[str, list[Any], SelectRelatedIdx | None, list[str]]:
    """A queryset's SQL, its parameters, and how its rows become instances (1.1.9).

    ``sql()`` is public and builds ``query.query`` (pypika); the parameters come from pypika's
    ``get_parameterized_sql()``. Private: ``QuerySet._select_related_idx`` (filled while the SQL is built:
    where each select_related model's columns sit in a row) and ``AwaitableQuery._annotations`` (the
    annotation names the executor sets as attributes).
    """
    sql = query.sql()
    again, params = query.query.get_parameterized_sql()
    if again != sql or not isinstance(params, list):
        raise changed("QuerySet.sql() / query.get_parameterized_sql()")
    annotations = query._annotations
    if not isinstance(annotations, dict):
        raise changed("AwaitableQuery._annotations")
    if not isinstance(query, QuerySet):
        return sql, params, None, list(annotations)
    select_related_idx = query._select_related_idx
    if not _well_shaped(select_related_idx):
        raise changed("QuerySet._select_related_idx")
    return sql, params, select_related_idx, list(annotations)


def _well_shaped(select_related_idx: Any) -> bool:
    if not isinstance(select_related_idx, list) or not select_related_idx:
        return False
    for entry in select_related_idx:
        if not (isinstance(entry, tuple) and len(entry) == 5 and isinstance(entry[1], int)):
            return False
        if not (isinstance(entry[0], type) and issubclass(entry[0], Model) and isinstance(entry[4], tuple)):
            return False
    return bool(select_related_idx[0][4] == (None,))


def instance_factory(model: type[M]) -> Callable[..., M]:
    """``Model._init_from_db`` (1.1.9): ``factory(**columns)`` is the instance the executor makes of a row's
    columns (saved, not partial; values as the driver returns them)."""
    return model._init_from_db


# What ``Model._init_from_db`` (1.1.9) sets on every instance besides the fields, in this order.
INSTANCE_FLAGS = ("_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save")


def row_factory(model: type[M], keys: Sequence[str]) -> Callable[[Sequence[Any]], M]:
    """``factory(values)`` is ``_init_from_db(**dict(zip(keys, values)))``: the same instance (its flags, each field
    converted as ``_init_from_db`` converts it: as is for a type the driver returns, ``field_type(value)`` or
    ``to_python_value``; other keys, such as annotations, ignored), made by filling its ``__dict__`` at once
    instead of a call per field. Where ``keys`` lack one of the model's columns, ``_init_from_db`` itself (a
    partial instance)."""
    meta = model._meta
    make = instance_factory(model)
    if not set(meta.db_fields) <= set(keys):
        return lambda values: make(**dict(zip(keys, values, strict=True)))
    native = {key: attribute for key, attribute, _ in meta.db_native_fields}
    default = {key: (attribute, field.field_type) for key, attribute, field in meta.db_default_fields}
    complex_ = {key: (attribute, field.to_python_value) for key, attribute, field in meta.db_complex_fields}
    plain = [(index, native[key]) for index, key in enumerate(keys) if key in native]
    converted: list[tuple[int, str, Callable[[Any], Any], bool]] = []
    for index, key in enumerate(keys):
        if key in default:
            converted.append((index, default[key][0], default[key][1], True))  # None stays None
        elif key in complex_:
            converted.append((index, complex_[key][0], complex_[key][1], False))
    plain_attributes = tuple(attribute for _, attribute in plain)
    plain_indexes = tuple(index for index, _ in plain)
    custom_pk = meta.db_pk_column not in meta.generated_db_fields
    new = model.__new__

    def factory(values: Sequence[Any]) -> M:
        instance = new(model)
        fields = instance.__dict__
        fields["_partial"] = False
        fields["_saved_in_db"] = True
        fields["_custom_generated_pk"] = custom_pk
        fields["_await_when_save"] = {}
        fields.update(zip(plain_attributes, [values[index] for index in plain_indexes], strict=True))
        for index, attribute, convert, keeps_none in converted:
            value = values[index]
            fields[attribute] = value if keeps_none and value is None else convert(value)
        return instance

    return factory


def related_attribute(relation: str) -> str:
    """Where an instance keeps its select_related object ``relation`` (1.1.9: ``_<relation>``, read by the
    relation's descriptor; set with ``object.__setattr__`` as the executor does)."""
    return f"_{relation}"


async def run_executor(
    db: BaseDBAsyncClient,
    model: type[M],
    sql: str,
    values: list[Any],
    select_related_idx: SelectRelatedIdx | None,
    annotations: Sequence[str],
    rows: Sequence[Any] | None = None,
) -> list[M]:
    """Tortoise's own executor on ``sql`` (1.1.9: ``db.executor_class(model, db, select_related_idx=)``,
    ``execute_select(sql, values, custom_fields=)``). Rows already read are handed to it through a proxy
    client whose ``execute_query`` returns them: ``execute_select`` reads its rows that way, once."""
    reader = db if rows is None else cast(BaseDBAsyncClient, _Fetched(db, rows))
    executor = db.executor_class(model=model, db=reader, select_related_idx=select_related_idx)
    found: list[M] = await executor.execute_select(sql, values, custom_fields=list(annotations) or None)
    return found


def sqlite_connection(db: SqliteClient) -> object | None:
    """``SqliteClient._connection`` (1.1.9): the aiosqlite connection, None until connected; a new object
    after Tortoise reconnects."""
    return db._connection


def connection_pool(db: BaseDBAsyncClient) -> Any | None:
    """The driver's pool of a PostgreSQL or MySQL client (1.1.9: ``_pool``, None until connected); None on
    SQLite, which has none. For the pool gauges (database.py)."""
    if db.capabilities.dialect not in {"postgres", "mysql"}:
        return None
    if "_pool" not in vars(db):
        raise changed(f"{type(db).__name__}._pool")
    return vars(db)["_pool"]


def _check_privates() -> None:
    """Each private above exists with the shape relied on, or a RuntimeError names it."""
    checks: dict[str, Callable[[], bool]] = {
        "Model._choose_db": lambda: isinstance(inspect.getattr_static(Model, "_choose_db", None), classmethod),
        "Model._init_from_db": lambda: (
            isinstance(inspect.getattr_static(Model, "_init_from_db", None), classmethod)
            and all(flag in Model._init_from_db.__code__.co_names for flag in INSTANCE_FLAGS)
            and "__slots__" not in vars(Model)
        ),
        "QuerySet._select_related_idx": lambda: "_select_related_idx" in QuerySet.__slots__,
        "AwaitableQuery._annotations": lambda: "_annotations" in AwaitableQuery.__slots__,
        "QuerySet.sql": lambda: "params_inline" in inspect.signature(AwaitableQuery.sql).parameters,
        "SqliteClient._connection": lambda: "_connection" in SqliteClient.__init__.__code__.co_names,
        "BaseExecutor(select_related_idx=)": lambda: (
            "select_related_idx" in inspect.signature(BaseExecutor.__init__).parameters
        ),
        "BaseExecutor.execute_select": lambda: (
            "custom_fields" in inspect.signature(BaseExecutor.execute_select).parameters
            and "execute_query" in BaseExecutor.execute_select.__code__.co_names
            and "_init_from_db" in BaseExecutor.execute_select.__code__.co_names
        ),
    }
    for name, holds in checks.items():
        try:
            ok = holds()
        except (AttributeError, TypeError, ValueError):
            ok = False
        if not ok:
            raise changed(name)


_check_privates()

# ----------------------------------------------------------------------------------------------------------
# Placeholders: a query is built once with a marker per value, and each marker's position in the compiled
# parameters is found by identity. A marker is a new int (or str) object, so Tortoise's own checks accept it
# (``limit()`` compares it with 0) and no real value can be mistaken for it; if Tortoise ever copies or
# converts a value on its way to the parameters, the marker is not found and compiling fails loudly.


class _IntSlot(int):
    """Stands for an int value while a query compiles."""


class _TextSlot(str):
    """Stands for a str value while a query compiles."""

    __slots__ = ()


def _slots(kinds: Sequence[type]) -> tuple[object, ...]:
    slots: list[object] = []
    for number, kind in enumerate(kinds, start=1):
        if kind is int:
            slots.append(_IntSlot(number))  # distinct values: an ``__in`` list could drop equal ones
        elif kind is str:
            slots.append(_TextSlot(f"slot{number}"))
        else:
            raise TypeError(f"a prepared value is an int or a str, not {kind!r}")
    return tuple(slots)


def _positions(slots: Sequence[object], params: Sequence[Any], sql: str) -> list[int]:
    positions = []
    for number, slot in enumerate(slots, start=1):
        found = [index for index, param in enumerate(params) if param is slot]
        if len(found) != 1:
            raise RuntimeError(
                f"value {number} is {len(found)} times in the compiled parameters, not once: the query must use"
                f" each value once, and tortoise-orm {tortoise.__version__} must pass it through unchanged"
                f" (if it no longer does, models/fast_reads.py must be updated): {sql}"
            )
        positions.append(found[0])
    return positions


Compiled = tuple[str, list[Any], list[int], SelectRelatedIdx | None, list[str]]


class _Statement:
    """The SQL of ``build(*markers)`` per dialect and connection, with where each given value goes."""

    def __init__(self, model: type[Model], build: Callable[..., Any], *kinds: type) -> None:
        self._model = model
        self._build = build
        self._slots = _slots(kinds)
        self._compiled: dict[tuple[type[BaseDBAsyncClient], str], Compiled] = {}

    def _bind(self, given: tuple[object, ...]) -> tuple[BaseDBAsyncClient, Compiled, list[Any]]:
        db = connection_for(self._model)
        # The SQL depends on the dialect only; transactions wrap the same connection name.
        key = (type(db), db.connection_name)
        compiled = self._compiled.get(key) or self._compile(db, key)
        values = list(compiled[1])
        for index, value in zip(compiled[2], given, strict=True):
            values[index] = value
        return db, compiled, values

    @property
    def model(self) -> type[Model]:
        return self._model

    def compiled_on(self, db: BaseDBAsyncClient) -> Compiled:
        """The SQL, parameters (markers where values go) and value positions for ``db``'s dialect."""
        key = (type(db), db.connection_name)
        return self._compiled.get(key) or self._compile(db, key)

    def _query(self, db: BaseDBAsyncClient) -> Any:
        return self._build(*self._slots).using_db(db)

    def _compile(self, db: BaseDBAsyncClient, key: tuple[type[BaseDBAsyncClient], str]) -> Compiled:
        sql, params, select_related_idx, annotations = compile_queryset(self._query(db))
        compiled = (sql, params, _positions(self._slots, params, sql), select_related_idx, annotations)
        self._compiled[key] = compiled
        return compiled


class Prepared(_Statement, Generic[M]):
    """``build(*values)`` for any ``values`` (of the ``kinds`` given, int or str), compiled once per
    connection; ``all`` runs it.

    ``build`` must use each value exactly once, and each value must be what its column stores (the
    queryset's own conversion ran once, on the marker). Rows become instances (select_related objects
    included) as Tortoise's executor makes them.
    """

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]], *kinds: type) -> None:
        super().__init__(model, build, *kinds)
        self._hydrators: dict[str, _Hydrator] = {}

    async def all(self, *given: object) -> list[M]:
        db, (sql, _, _, select_related_idx, annotations), values = self._bind(given)
        rows: Sequence[Any] | None = execute_point_lookup(db, sql, values)
        if select_related_idx is None or not _Hydrator.handles(select_related_idx):
            return await run_executor(
                db, cast(type[M], self._model), sql, values, select_related_idx, annotations, rows
            )
        if rows is None:
            # PostgreSQL, MySQL, SQLite in a transaction: the client's own execute_query (it logs, translates
            # errors and takes a pool connection as every query does); the executor's per-call set-up is skipped.
            _, rows = await db.execute_query(sql, values)
        if not rows:
            return []
        hydrator = self._hydrators.get(sql) or self._hydrators.setdefault(
            sql, _Hydrator(select_related_idx, annotations, _columns(rows[0]))
        )
        return [hydrator.instance(row) for row in rows]


class PreparedRows(_Statement):
    """``build(*values).values_list(*columns)``, compiled once per connection; ``rows`` gives plain tuples
    in the columns' order, as the driver returns them (an SQLite or MySQL boolean is 0 or 1)."""

    def __init__(
        self, model: type[Model], build: Callable[..., QuerySet[Any]], *kinds: type, columns: Sequence[str]
    ) -> None:
        super().__init__(model, build, *kinds)
        self._columns = tuple(columns)

    @property
    def width(self) -> int:
        """How many columns each row has."""
        return len(self._columns)

    def _query(self, db: BaseDBAsyncClient) -> Any:
        return self._build(*self._slots).using_db(db).values_list(*self._columns)

    async def rows(self, *given: object) -> list[tuple[Any, ...]]:
        db, (sql, *_), values = self._bind(given)
        return await _plain_rows(db, sql, values)


async def _plain_rows(db: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    rows: Sequence[Any] | None = execute_point_lookup(db, sql, values)
    if rows is None:
        _, rows = await db.execute_query(sql, values)
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


def python_value(model: type[Model], column: str) -> Callable[[Any], Any] | None:
    """How Tortoise's ``values_list`` converts a driver's value of ``column`` (a field of ``model``, or
    ``relation__field`` through a fetched relation; ``ValuesListQuery.resolve_to_python_value``): the field's
    ``to_python_value``, or None where the value is kept as the driver returns it (a native field)."""
    meta = model._meta
    if column in meta.fields_map:
        if any(name == column for _, name, _ in meta.db_native_fields):
            return None
        for _, name, field in meta.db_default_fields:
            if name == column:  # ``Field.to_python_value`` is ``field_type(value)`` for these: call that at once
                return cast(Callable[[Any], Any], field.field_type)
        convert: Callable[[Any], Any] = meta.fields_map[column].to_python_value
        return convert
    relation, _, rest = column.partition("__")
    if rest and relation in meta.fetch_fields:
        return python_value(meta.fields_map[relation].related_model, rest)  # type: ignore[attr-defined]
    raise KeyError(f"{model.__name__} has no column {column!r}")


class PreparedValues(_Statement):
    """``build(*values).values_list(*columns)``, compiled once per connection; ``made(make, *values)`` is
    ``make(*row)`` for each row, its values in the columns' order and converted as ``values_list`` converts
    them (``python_value``; an annotation by ``convert[name]``, or as the driver returns it where that is None).

    For pages that become objects of the caller's own (the GraphQL types) at once: no model instance per
    row, and only the columns asked for are read. Tortoise names a ``values_list`` column by its place
    (``"0"``, ``"1"``...) but may order them otherwise in the SQL; the rows are read by those names.
    """

    def __init__(
        self,
        model: type[Model],
        build: Callable[..., QuerySet[Any]],
        *kinds: type,
        columns: Sequence[str],
        convert: dict[str, Callable[[Any], Any] | None] | None = None,
    ) -> None:
        super().__init__(model, build, *kinds)
        self._columns = tuple(columns)
        convert = convert or {}
        converters = [convert[column] if column in convert else python_value(model, column) for column in self._columns]
        self._converters = tuple((place, found) for place, found in enumerate(converters) if found is not None)
        self._readers: dict[str, Callable[[Any], Sequence[Any]]] = {}

    def _query(self, db: BaseDBAsyncClient) -> Any:
        return self._build(*self._slots).using_db(db).values_list(*self._columns)

    def _reader(self, sql: str, row: Any) -> Callable[[Any], Sequence[Any]]:
        names = [str(place) for place in range(len(self._columns))]
        keys = names if isinstance(row, dict) else [_columns(row).index(name) for name in names]
        reader = operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
        return self._readers.setdefault(sql, reader)

    async def made(self, make: Callable[..., T], *given: object) -> list[T]:
        db, (sql, *_), values = self._bind(given)
        rows: Sequence[Any] | None = execute_point_lookup(db, sql, values)
        if rows is None:
            _, rows = await db.execute_query(sql, values)
        if not rows:
            return []
        read = self._readers.get(sql) or self._reader(sql, rows[0])
        converters = self._converters
        made = []
        for row in rows:
            found = list(read(row))
            for place, convert in converters:
                value = found[place]
                if value is not None:
                    found[place] = convert(value)
            made.append(make(*found))
        return made


_POSTGRES_PARAMETER = re.compile(r"\$(\d+)")


def _shift_parameters(sql: str, offset: int) -> str:
    """PostgreSQL's numbered parameters ``$n`` of ``sql`` as ``$(n + offset)``."""
    return _POSTGRES_PARAMETER.sub(lambda found: f"${int(found.group(1)) + offset}", sql)


class PreparedUnionRows:
    """The rows of several ``PreparedRows`` in one statement, ``UNION ALL``: one round trip instead of one per
    part. A part with fewer columns than the widest has its rows padded with nulls at the end (column types
    must match where both parts have a column). ``rows`` takes the parts' values one part after the other;
    each part's SQL is its own compiled SQL (PostgreSQL's numbered parameters shifted past the parts before
    it), so the parts keep their one definition each."""

    def __init__(self, *parts: PreparedRows) -> None:
        if not parts:
            raise TypeError("a union needs at least one part")
        self._parts = parts
        self._compiled: dict[tuple[type[BaseDBAsyncClient], str], tuple[str, list[Any], list[int]]] = {}

    def _compile(
        self, db: BaseDBAsyncClient, key: tuple[type[BaseDBAsyncClient], str]
    ) -> tuple[str, list[Any], list[int]]:
        pieces: list[str] = []
        params: list[Any] = []
        positions: list[int] = []
        width = max(part.width for part in self._parts)
        for number, part in enumerate(self._parts):
            sql, part_params, part_positions, _, _ = part.compiled_on(db)
            offset = len(params)
            if db.capabilities.dialect == "postgres":
                # Only the SQL Tortoise compiled from our own querysets: every value is a parameter, none inline.
                sql = _shift_parameters(sql, offset)
            if part.width < width:
                padding = ", NULL" * (width - part.width)
                sql = f"SELECT part{number}.*{padding} FROM ({sql}) part{number}"  # noqa: S608 - our own SQL
            pieces.append(sql)
            params.extend(part_params)
            positions.extend(position + offset for position in part_positions)
        compiled = (" UNION ALL ".join(pieces), params, positions)
        self._compiled[key] = compiled
        return compiled

    async def rows(self, *given: object) -> list[tuple[Any, ...]]:
        db = connection_for(self._parts[0].model)
        key = (type(db), db.connection_name)
        sql, params, positions = self._compiled.get(key) or self._compile(db, key)
        values = list(params)
        for index, value in zip(positions, given, strict=True):
            values[index] = value
        return await _plain_rows(db, sql, values)


class PreparedFirst(Prepared[M]):
    """``build(*values).first()`` for any ``values``, compiled once per connection."""

    async def first(self, *given: object) -> M | None:
        found = await self.all(*given)
        return found[0] if found else None

    def _query(self, db: BaseDBAsyncClient) -> QuerySet[M]:
        query: QuerySet[M] = self._build(*self._slots)
        return query.limit(1).using_db(db)


async def wrapped_rows(query: AwaitableQuery[Any], wrap: Callable[[str], str]) -> list[dict[str, Any]]:
    """The rows (as dicts) of ``wrap(sql)``, ``sql`` being ``query``'s own SQL: its values stay parameters,
    and ``wrap`` must add no value to the text but our own SQL."""
    sql, params, _, _ = compile_queryset(query)
    rows: list[dict[str, Any]] = await connection_for(query.model).execute_query_dict(wrap(sql), params)
    return rows


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


# Each SQLite client's read-only twin, with the aiosqlite connection it was opened for.
_READERS: weakref.WeakKeyDictionary[SqliteClient, tuple[object, sqlite3.Connection]] = weakref.WeakKeyDictionary()


def _reader(db: SqliteClient) -> sqlite3.Connection | None:
    """The read-only twin of ``db``'s connection; renewed when Tortoise reconnects."""
    owner = sqlite_connection(db)
    if owner is None:
        return None
    cached = _READERS.get(db)
    if cached is not None and cached[0] is owner:
        return cached[1]
    if cached is not None:
        cached[1].close()
    try:
        # timeout=0: never wait for a lock on the event loop's thread; the async path waits instead.
        reader = sqlite3.connect(f"file:{db.filename}?mode=ro", uri=True, timeout=0, check_same_thread=False)
    except sqlite3.Error:
        return None
    reader.row_factory = sqlite3.Row
    _READERS[db] = (owner, reader)
    return reader


def _columns(row: Any) -> list[str]:
    """A row's column names, in order: an ``sqlite3.Row``, an asyncpg ``Record`` (both have ``keys()``) or a
    MySQL driver's dict."""
    return list(row) if isinstance(row, dict) else list(row.keys())


def _values(row: Any) -> Sequence[Any]:
    """A row's values in column order, indexable and sliceable (an ``sqlite3.Row`` or a ``Record`` already is)."""
    return tuple(row.values()) if isinstance(row, dict) else cast(Sequence[Any], row)


class _Hydrator:
    """Rows made into instances as Tortoise's executor makes them (``execute_select``: ``_init_from_db`` of the
    model and of each select_related model, linked by ``_<relation>``, annotations as attributes), without the
    executor's per-call set-up and per-row copies, whichever driver read them (``sqlite3.Row``, asyncpg
    ``Record``, a MySQL dict). Built once per statement from its columns; ``tests/domain/test_fast_reads.py``
    and ``tests/graphql/test_point_lookups.py`` check it against the executor on every backend."""

    def __init__(
        self, select_related_idx: SelectRelatedIdx, annotations: Sequence[str], columns: Sequence[str]
    ) -> None:
        columns = list(columns)
        self._count = select_related_idx[0][1]
        self._make = row_factory(select_related_idx[0][0], columns[: self._count])
        self._annotations = tuple((name, columns.index(name)) for name in annotations)
        self._related: list[tuple[Callable[[Sequence[Any]], Model], int, int, tuple[Any, ...], str, str]] = []
        start = self._count
        for model, count, *_, full_path in select_related_idx[1:]:
            *path, name = full_path
            keys = [column.split(".", 1)[1] for column in columns[start : start + count]]
            make = row_factory(model, keys)
            self._related.append((make, start, start + count, tuple(path), related_attribute(str(name)), str(name)))
            start += count

    @staticmethod
    def handles(select_related_idx: SelectRelatedIdx) -> bool:
        """Every model in the row has columns of its own (Tortoise's ``only()`` fillers are not handled)."""
        return bool(select_related_idx) and all(entry[1] > 0 for entry in select_related_idx)

    def instance(self, row: Any) -> Any:
        row = _values(row)
        instance = self._make(row)  # reads the first columns only
        instances: dict[tuple[Any, ...], Any] = {(None,): instance}
        for make, start, stop, path, attribute, name in self._related:
            values = row[start:stop]
            related = make(values) if any(values) else None
            target = instances.get(path)
            if target is not None:
                object.__setattr__(target, attribute, related)
            if related is not None:
                instances[(*path, name)] = related
        for name, index in self._annotations:
            object.__setattr__(instance, name, row[index])
        return instance


class _Fetched:
    """``db`` with one query's rows already read: Tortoise's executor hydrates them as its own."""

    def __init__(self, db: BaseDBAsyncClient, rows: Sequence[Any]) -> None:
        self._db = db
        self._rows = rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    async def execute_query(self, query: str, values: list[Any] | None = None) -> tuple[int, Sequence[Any]]:
        return len(self._rows), self._rows
