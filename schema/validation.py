"""Validation rules of our own."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    SelectionSetNode,
)
from graphql.validation import ValidationContext, ValidationRule
from strawberry.extensions.query_depth_limiter import create_validator


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """Strawberry's depth limit, for documents whose fragment spreads each name a fragment of the document.

    Strawberry's rule looks a spread's fragment up without asking whether it exists: ``{ me { ...F } }``
    raised KeyError, an INTERNAL_SERVER_ERROR. graphql-core's KnownFragmentNamesRule refuses such a document
    (GRAPHQL_VALIDATION_FAILED); its depth is left uncounted, as it will not run.
    """
    strawberry_rule = create_validator(max_depth, None, None)

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if _spreads_are_known(context.document):
                strawberry_rule(context)  # it counts, and reports, when it is made

    return DepthLimit


def _spreads_are_known(document: DocumentNode) -> bool:
    known = {
        definition.name.value for definition in document.definitions if isinstance(definition, FragmentDefinitionNode)
    }
    pending: list[SelectionSetNode] = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, ExecutableDefinitionNode)
    ]
    while pending:  # without recursion: a document may nest deep
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode) and selection.name.value not in known:
                return False
            nested = getattr(selection, "selection_set", None)
            if nested is not None:
                pending.append(nested)
    return True


class CountValidations(ValidationRule):
    """Counts the documents validated in this process.

    ValidationCache answers a document it has seen without running any rule, so a repeated document
    leaves the count where it was; a document that is validated costs one call here.
    """

    validated = 0

    def enter_document(self, *args: Any) -> None:
        CountValidations.validated += 1


def validated_documents() -> int:
    """How many documents this process has validated (not answered from the validation cache)."""
    return CountValidations.validated
