"""Trusted documents (the persisted-query manifest) are parsed and validated once, at start-up.

Every manifest document is checked as a request would be (token, selection, depth and alias limits, the
schema's rules; a bad one stops the server) and kept parsed, so a request for one skips both steps; any
other document goes through DocumentCache and Strawberry's validation LRU as before (schema/pipeline.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from graphql import DocumentNode, GraphQLError, specified_rules
from graphql.validation import ASTValidationRule
from strawberry.schema import BaseSchema
from strawberry.schema.schema import validate_document

from schema.core import core_schema
from schema.documents import DocumentCache, parsed


class ManifestError(RuntimeError):
    """PERSISTED_QUERIES_FILE cannot be used (web/persisted.py reads it; here its documents are checked); the
    message says why."""


class TrustedDocumentCache(DocumentCache):
    """DocumentCache that hands out the trusted documents parsed at start-up."""

    def __init__(self, *, max_tokens: int, max_selections: int, trusted: Mapping[str, DocumentNode]) -> None:
        super().__init__(max_tokens=max_tokens, max_selections=max_selections)
        self.trusted = trusted

    def on_parse(self) -> Iterator[None]:
        document = self.trusted.get(self.execution_context.query or "")
        if document is None:
            yield from super().on_parse()
            return
        self.execution_context.graphql_document = document
        yield


def prepare_trusted(
    schema: BaseSchema,
    manifest: Mapping[str, str],
    rules: Iterable[type[ASTValidationRule]],
    *,
    max_tokens: int,
    max_selections: int,
    into: dict[str, DocumentNode],
    kind: str = "persisted query",
) -> None:
    """Parse and validate every manifest document as a request would be; a bad one is a ManifestError that
    names it as ``kind`` and its key."""
    all_rules = (*specified_rules, *rules)
    for sha, body in manifest.items():
        try:
            document, selections = parsed(body, max_tokens)
        except GraphQLError as exc:
            raise ManifestError(f"{kind} {sha}: {exc.message}") from None
        if selections > max_selections:
            raise ManifestError(f"{kind} {sha}: {selections} field selections, over {max_selections}")
        errors = validate_document(core_schema(schema), document, all_rules)
        if errors:
            raise ManifestError(f"{kind} {sha}: {errors[0].message}")
        into[body] = document
