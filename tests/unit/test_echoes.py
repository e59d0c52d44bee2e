"""Messages graphql-core writes about input values, made by graphql-core itself, lose every value."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.utilities import validate_input_value

from schema.echoes import without_values

SECRET = "s3cret-Value"


def _refuse(value: Any) -> Any:
    raise ValueError(f"not a date: {value!r}")


DATE = GraphQLScalarType("Date", parse_value=_refuse)
COLOUR = GraphQLEnumType("Colour", {"RED": "red", "GREEN": "green"})
ITEM = GraphQLInputObjectType(
    "Item",
    {
        "name": GraphQLInputField(GraphQLNonNull(GraphQLString)),
        "count": GraphQLInputField(GraphQLInt),
        "tags": GraphQLInputField(GraphQLList(GraphQLString)),
        "colour": GraphQLInputField(COLOUR),
        "when": GraphQLInputField(DATE),
    },
)


def errors_for(value: Any) -> list[GraphQLError]:
    found: list[GraphQLError] = []

    def wrapped(error: GraphQLError, path: list[str | int]) -> None:
        # as execution/values.py wraps a variable's errors
        at = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)
        found.append(GraphQLError(f"Variable '$i' has invalid value{' at ' + at if at else ''}: {error.message}"))

    validate_input_value(value, GraphQLList(ITEM), wrapped)
    return found


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([{"name": "a", "nmae": SECRET}], "nmae"),
        ([{"count": SECRET}], "name"),  # missing name, and count of the wrong type
        ([{"name": "a", "count": SECRET}], "count"),
        ([{"name": "a", "tags": [SECRET, {"x": SECRET}]}], "tags"),
        ([{"name": "a", "colour": SECRET}], "colour"),
        ([{"name": "a", "colour": "REDD" + SECRET}], "colour"),
        ([{"name": "a", "when": SECRET}], "when"),
        ([SECRET], None),
    ],
)
def test_no_value_survives_and_the_field_is_named(value: Any, field: str | None) -> None:
    errors = errors_for(value)
    assert errors
    for error in errors:
        message, _ = without_values(error)
        assert SECRET not in message and SECRET.lower() not in message.lower(), (error.message, message)
        assert message.startswith("Variable '$i' has invalid value")
    assert without_values(errors[0])[1] == field
