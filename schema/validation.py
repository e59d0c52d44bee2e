"""Validation rules of our own."""

from __future__ import annotations

from typing import Any

from graphql.validation import ValidationRule


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
