"""The database's own query plan for a queryset, as text, on each backend the tests run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise import Tortoise


async def query_plan(backend: str, query: Any, *, tables: Sequence[str], vacuum: bool = False) -> str:
    """EXPLAIN of ``query``'s SQL after refreshing the statistics of ``tables``.

    ``vacuum`` (PostgreSQL): VACUUM ANALYZE, which marks settled pages all-visible; only then may
    PostgreSQL answer from an index alone (as autovacuum does on a real server).
    """
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    db = Tortoise.get_connection(backend)
    if backend == "sqlite":
        _, rows = await db.execute_query("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(dict(row)["detail"]) for row in rows)
    if backend == "postgres":
        refresh = "VACUUM ANALYZE" if vacuum else "ANALYZE"
        await db.execute_script("; ".join(f"{refresh} {table}" for table in tables))
        _, rows = await db.execute_query("EXPLAIN " + sql, params)
        return "\n".join(str(next(iter(dict(row).values()))) for row in rows)
    await db.execute_script("; ".join(f"ANALYZE TABLE {table}" for table in tables))
    _, rows = await db.execute_query("EXPLAIN " + sql, params)
    return "\n".join(str(dict(row)) for row in rows)
