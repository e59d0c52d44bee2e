"""The GraphQL endpoint: introspection, the limits on a document and its response, persisted queries."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from settings.fields import Whole

ONLY_WITHOUT_MANIFEST = "PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_FILE, the manifest to serve."


class GraphQLSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    graphql_introspection: bool | None = Field(
        None,
        description="`true` or `false` overrides the default",
        json_schema_extra={"shown": "on, off in production"},
    )
    max_query_depth: Whole = Field(10, description="deepest selection a document may nest", ge=1)
    max_aliases: Whole = Field(20, description="most aliases in one document", ge=1)
    max_tokens: Whole = Field(2000, description="most tokens in one document", ge=1)
    max_selections: Whole = Field(
        500, description="most field selections in one document (fields and fragments, repeats included)", ge=1
    )
    max_query_cost: Whole = Field(
        10_000,
        description="most a document may cost: 1 a field, times the page size (first) inside lists; see Security",
        ge=1,
    )
    max_nested_connections: Whole = Field(
        2, description="most lists with first/last nested in one another in a document", ge=1
    )
    max_body_bytes: Whole = Field(100_000, description="largest request body in bytes (else HTTP 413)", ge=1)
    max_response_bytes: Whole = Field(
        2_000_000,
        description="largest GraphQL response in bytes; a larger one is replaced by a RESPONSE_TOO_LARGE error",
        ge=1,
    )
    persisted_queries: bool = Field(
        True, description="Apollo's automatic persisted queries (clients register documents by hash)"
    )
    persisted_queries_file: Path | None = Field(
        None, description="Apollo persisted-query manifest (JSON) of trusted documents"
    )
    persisted_queries_only: bool = Field(
        False, description="`true` refuses every document not in `PERSISTED_QUERIES_FILE`"
    )
    persisted_queries_max_bytes: Whole = Field(
        16_384,
        description="largest document (UTF-8 bytes) stored as an automatic persisted query; a larger one runs unstored",
        ge=1,
    )
    persisted_queries_max_entries: Whole = Field(
        1000,
        description="automatic persisted queries kept, per process and in Redis; the least recently used go first",
        ge=1,
    )
    persisted_queries_max_per_address: Whole = Field(
        100, description="new documents stored as automatic persisted queries per address in a persisting window", ge=1
    )
    persisted_queries_window: Whole = Field(3600, description="the persisting window, in seconds", ge=1)
