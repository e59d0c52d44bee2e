"""The per-request steps around execution, in one Strawberry extension.

Strawberry looks up and wraps every extension's hooks on every request (tens of thousands of instructions
each), so the steps each request needs are one extension instead of four: add the guard rules
(AddValidationRules), parse once per distinct text with the token and selection limits (DocumentCache),
validate once per document (ValidationCache's LRU), trusted documents neither parsed nor validated again
(schema/trusted.py), and the operation's name noted for the access log and metrics (OperationName).
Validation's errors are marked as such (schema.errors.InvalidDocument: GRAPHQL_VALIDATION_FAILED), once per
document, so they are told from the variable errors that execution finds later (BAD_USER_INPUT).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from graphql.validation import ASTValidationRule
from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE
from strawberry.schema.schema import validate_document

from schema.context import Context
from schema.core import core_schema
from schema.errors import invalid_document
from schema.trusted import TrustedDocumentCache


@lru_cache(maxsize=DEFAULT_MAXSIZE)  # as Strawberry's ValidationCache: bounded, shared by every request
def validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """The document's validation errors, each marked as one (GRAPHQL_VALIDATION_FAILED)."""
    return [invalid_document(error) for error in validate_document(schema, document, rules)]


class RequestPipeline(TrustedDocumentCache):
    def __init__(
        self,
        *,
        rules: Sequence[type[ASTValidationRule]],
        max_tokens: int,
        max_selections: int,
        trusted: Mapping[str, DocumentNode],
    ) -> None:
        super().__init__(max_tokens=max_tokens, max_selections=max_selections, trusted=trusted)
        self.rules = tuple(rules)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        yield
        if isinstance(context.context, Context):  # for the access log and metrics (web.graphql_view)
            context.context.operation_name = context.operation_name

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if (context.query or "") in self.trusted:
            context.pre_execution_errors = []  # validated with these rules at start-up
        else:
            context.pre_execution_errors = validate(
                core_schema(context.schema), context.graphql_document, context.validation_rules
            )
        yield
