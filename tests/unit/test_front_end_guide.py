"""Every GraphQL document in docs/front-end.md and in the example front end (examples/web) is valid against
schema.graphql: a renamed field or argument breaks this test before it breaks someone's front end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "front-end.md"
EXAMPLE_DOCUMENTS = ROOT / "examples" / "web" / "src" / "documents.ts"

GRAPHQL_BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)
CODE_BLOCK = re.compile(r"```(?:ts|js)\n(.*?)```", re.DOTALL)
# A template literal holding an operation: gql`…`, graphql(`…`) or a plain string sent with fetch.
TEMPLATE_DOCUMENT = re.compile(r"`(\s*(?:query|mutation|subscription|fragment)\b[^`]*)`")


def _schema() -> GraphQLSchema:
    return build_schema((ROOT / "schema.graphql").read_text())


def _guide_documents() -> list[str]:
    text = GUIDE.read_text()
    documents = GRAPHQL_BLOCK.findall(text)
    for code in CODE_BLOCK.findall(text):
        documents += TEMPLATE_DOCUMENT.findall(code)
    return documents


def _example_documents() -> list[str]:
    return TEMPLATE_DOCUMENT.findall(EXAMPLE_DOCUMENTS.read_text())


def _operation_names(documents: list[str]) -> set[str]:
    return {
        definition.name.value
        for document in documents
        for definition in parse(document).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None
    }


def test_the_guide_shows_the_operations_a_front_end_needs() -> None:
    names = _operation_names(_guide_documents())

    assert {"Login", "Refresh", "Logout", "Me", "UpdateBio", "Follow"} <= names
    assert {"VerifyEmail", "ResetPassword", "UndoEmailChange"} <= names


def test_the_example_sends_the_operations_of_its_flow() -> None:
    names = _operation_names(_example_documents())

    assert names == {"Register", "Login", "Refresh", "Logout", "Me", "UpdateBio", "Follow"}


@pytest.mark.parametrize("document", _guide_documents(), ids=lambda document: " ".join(document.split())[:60])
def test_each_document_of_the_guide_is_valid_against_the_schema(document: str) -> None:
    errors = validate(_schema(), parse(document))

    assert [error.message for error in errors] == []


@pytest.mark.parametrize("document", _example_documents(), ids=lambda document: " ".join(document.split())[:60])
def test_each_document_of_the_example_is_valid_against_todays_schema(document: str) -> None:
    errors = validate(_schema(), parse(document))

    assert [error.message for error in errors] == []
