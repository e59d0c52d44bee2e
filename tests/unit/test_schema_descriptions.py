"""GraphiQL's docs pane is the front-end team's manual: every part of the schema must explain itself."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

from schema.build import sdl
from services import errors

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
CODES = {cls.code for cls in (errors.AccountError, *errors.AccountError.__subclasses__())}


def _own_types(built: GraphQLSchema) -> list[GraphQLNamedType]:
    return [
        named
        for name, named in sorted(built.type_map.items())
        if not name.startswith("__") and name not in BUILT_IN_SCALARS
    ]


def undescribed(built: GraphQLSchema) -> list[str]:
    """Coordinates (Type, Type.field, Type.field(arg:), Enum.VALUE) that have no description."""
    missing: list[str] = []

    def check(coordinate: str, description: str | None) -> None:
        if not (description and description.strip()):
            missing.append(coordinate)

    for named in _own_types(built):
        check(named.name, named.description)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in named.fields.items():
                check(f"{named.name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{named.name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                check(f"{named.name}.{field_name}", input_field.description)
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                check(f"{named.name}.{value_name}", value.description)
    return missing


def test_every_type_field_argument_and_value_has_a_description() -> None:
    assert undescribed(build_schema(sdl())) == []


def test_the_check_finds_what_is_missing() -> None:
    built = build_schema('"A thing." type Query { "Described." ok(arg: Int): Int bare: Int } enum Kind { A }')

    assert sorted(undescribed(built)) == ["Kind", "Kind.A", "Query.bare", "Query.ok(arg:)"]


def test_every_operation_names_the_error_codes_it_can_return() -> None:
    built = build_schema(sdl())
    roots = [built.query_type, built.mutation_type]

    for root in roots:
        assert root is not None
        for name, field in root.fields.items():
            description = field.description or ""
            assert "Errors" in description, f"{root.name}.{name} does not list its error codes"
            named = set(re.findall(r"\b[A-Z][A-Z_]{4,}\b", description.split("Errors", 1)[1]))
            assert named, f"{root.name}.{name} lists no error code"
            assert named <= CODES, f"{root.name}.{name} names unknown codes {named - CODES}"
