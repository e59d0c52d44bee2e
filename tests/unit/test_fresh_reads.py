"""Every mutation drops the request's reads about people before it runs (schema.fresh_reads), and no query
field pays for it: the hook sits on the Mutation type's fields only, and no schema extension wraps every field."""

from __future__ import annotations

from strawberry.extensions import SchemaExtension
from strawberry.types.base import get_object_definition

from resolvers import Mutation, Query
from schema.build import build_schema
from schema.fresh_reads import FreshReads
from settings import Settings


def test_every_mutation_field_reads_afresh() -> None:
    fields = get_object_definition(Mutation, strict=True).fields

    assert len(fields) >= 20
    assert [f.name for f in fields if not any(isinstance(e, FreshReads) for e in f.extensions)] == []


def test_no_query_field_and_no_schema_extension_adds_a_resolve_hook() -> None:
    fields = get_object_definition(Query, strict=True).fields

    assert [f.name for f in fields if any(isinstance(e, FreshReads) for e in f.extensions)] == []
    overriding = [
        extension
        for extension in build_schema(Settings()).extensions
        if isinstance(extension, type) and extension.resolve is not SchemaExtension.resolve
    ]
    assert overriding == []
