"""graphql-core's schema inside Strawberry's: the one place that reaches for it.

Strawberry 0.341 keeps the ``GraphQLSchema`` it builds in ``Schema._schema`` and offers no public accessor;
validating a document ourselves (the request pipeline, trusted documents) and reading the schema's names
(error messages in production) need it. If a Strawberry release renames it, this module fails loudly here.
"""

from __future__ import annotations

from graphql import GraphQLSchema
from strawberry.schema import BaseSchema


def core_schema(schema: BaseSchema) -> GraphQLSchema:
    core = schema._schema  # type: ignore[attr-defined]
    if not isinstance(core, GraphQLSchema):
        raise RuntimeError("strawberry-graphql changed Schema._schema; schema/core.py must be updated")
    return core
