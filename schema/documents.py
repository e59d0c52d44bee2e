"""Each distinct document is parsed once, and its selections counted then; too many are refused before validation.

graphql-core's check that fields can be merged is quadratic in repeated selections (600 times ``__typename``,
6.6 KB and no aliases, takes ~130 ms to validate), and neither the alias nor the token limit sees repeats.
So the parsed document is kept with its selection count in one LRU cache (the place Strawberry's
ParserCache would keep it), and a request over ``max_selections`` is refused in the parse hook, before
validation runs (GRAPHQL_VALIDATION_FAILED, as the other limits on a document). The count costs one walk
of the tree per distinct document; a cached one costs a compare.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, ExecutableDefinitionNode, GraphQLError, SelectionSetNode, parse
from strawberry.extensions import SchemaExtension

from schema.errors import VALIDATION_FAILED

CACHED_DOCUMENTS = 128  # as Strawberry's ParserCache: bounded, so unique texts cannot grow memory


def count_selections(document: DocumentNode) -> int:
    """Fields, fragment spreads and inline fragments in every operation and fragment, repeats included."""
    count = 0
    pending: list[SelectionSetNode] = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, ExecutableDefinitionNode)
    ]
    while pending:
        selections = pending.pop().selections
        count += len(selections)
        for selection in selections:
            nested = getattr(selection, "selection_set", None)  # fragment spreads have none
            if nested is not None:
                pending.append(nested)
    return count


@lru_cache(maxsize=CACHED_DOCUMENTS)
def parsed(query: str, max_tokens: int) -> tuple[DocumentNode, int]:
    """The document and its selection count; a syntax error or too many tokens raise GraphQLSyntaxError."""
    document = parse(query, max_tokens=max_tokens)
    return document, count_selections(document)


class DocumentCache(SchemaExtension):
    """Parse with a token limit, from the cache when the text was seen; refuse over ``max_selections``."""

    def __init__(self, *, max_tokens: int, max_selections: int) -> None:
        self.max_tokens = max_tokens
        self.max_selections = max_selections

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        document, selections = parsed(context.query or "", self.max_tokens)
        if selections > self.max_selections:
            raise GraphQLError(
                f"The document has {selections} field selections; at most {self.max_selections} are allowed.",
                extensions={"code": VALIDATION_FAILED},  # a limit on the document, as a validation rule
            )
        context.graphql_document = document
        yield
