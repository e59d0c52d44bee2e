"""The per-request steps around execution, in one Strawberry extension.

Strawberry looks up and wraps every extension's hooks on every request (tens of thousands of instructions
each), so the steps each request needs are one extension instead of four: add the guard rules
(AddValidationRules), parse once per distinct text with the token and selection limits (DocumentCache),
validate once per document (ValidationCache's LRU), trusted documents neither parsed nor validated again
(schema/trusted.py), and the operation's name noted for the access log and metrics (OperationName).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from graphql import DocumentNode
from graphql.validation import ASTValidationRule
from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE, _get_validate_cache

from schema.context import Context
from schema.core import core_schema
from schema.trusted import TrustedDocumentCache


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
        self.validate = _get_validate_cache(DEFAULT_MAXSIZE)  # ValidationCache's own LRU

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
            context.pre_execution_errors = self.validate(
                core_schema(context.schema), context.graphql_document, context.validation_rules
            )
        yield
