"""The one place errors become what a client sees: a stable ``extensions.code``, and nothing internal.

A request that is not well-formed gets Apollo Server's codes: GRAPHQL_PARSE_FAILED for a syntax error (or a
document over the token limit), GRAPHQL_VALIDATION_FAILED for a document the schema's validation rules refuse
(an unknown field or argument, a literal of the wrong type, a variable used where its type does not fit,
the depth, alias, selection and cost limits, introspection when it is off), and BAD_USER_INPUT for variable
values that do not fit their types. A service's error that names several input fields (SeveralFields)
becomes one error per field, each at the same path and locations with its own ``extensions``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterator

from graphql import (
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_introspection_type,
    is_object_type,
    is_specified_directive,
    is_specified_scalar_type,
)

from schema.echoes import without_values
from services.errors import AccountError, SeveralFields

log = logging.getLogger("app.errors")

INTERNAL_MESSAGE = "Internal server error."
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_VALUE = "BAD_USER_INPUT"


class InvalidDocument(GraphQLError):
    """An error of the document's validation (schema/pipeline.py marks them): GRAPHQL_VALIDATION_FAILED."""


def invalid_document(error: GraphQLError) -> InvalidDocument:
    """``error``, from validating a document, marked as such."""
    return InvalidDocument(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


def is_unexpected(error: GraphQLError) -> bool:
    """A bug or an outage, as opposed to a rejected request."""
    original = error.original_error
    return original is not None and not isinstance(original, (AccountError, GraphQLError))


# graphql-core puts suggestions anywhere in a message ("... field 'emial'. Did you mean 'email'? Found: ...").
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
HIDDEN = "…"


class SchemaNames:
    """The names introspection would show: types, fields, arguments, input fields, enum values, directives.

    With introspection off, a message about a malformed request may name only what the client sent itself:
    a stranger must not map the schema by guessing ("Did you mean 'email'?", "Expected value of type
    'RegisterInput' to include required field 'password'"). Suggestions go, and every other name of the
    schema in the message becomes "…".
    """

    def __init__(self, schema: GraphQLSchema) -> None:
        self.names = frozenset(_names_of(schema))

    def hide(self, message: str, *, sent: Collection[str]) -> str:
        def unless_sent(match: re.Match[str]) -> str:
            name = match.group()
            return HIDDEN if name in self.names and name not in sent else name

        return NAME.sub(unless_sent, SUGGESTION.sub("", message))


def names_sent(texts: Iterator[str]) -> frozenset[str]:
    """Every name-shaped word of what the client sent (its query, variable names and values, operation name)."""
    return frozenset(name for text in texts for name in NAME.findall(text))


def _names_of(schema: GraphQLSchema) -> Iterator[str]:
    for type_ in schema.type_map.values():
        if is_introspection_type(type_) or is_specified_scalar_type(type_):
            continue  # the same in every GraphQL schema: they tell nothing
        yield type_.name
        if is_object_type(type_) or is_interface_type(type_):
            for field_name, field in type_.fields.items():
                yield field_name
                yield from field.args
        elif is_input_object_type(type_):
            yield from type_.fields
        elif is_enum_type(type_):
            yield from type_.values
    for directive in schema.directives:
        if not is_specified_directive(directive):
            yield directive.name
            yield from directive.args


def client_error(error: GraphQLError, *, hide: Callable[[str], str] | None = None) -> GraphQLError:
    original = error.original_error
    if isinstance(original, AccountError):
        return _with(error, original.message, original.extensions())
    if is_unexpected(error):
        return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})
    if error.extensions and "code" in error.extensions:
        return error
    # Syntax, validation and variable-coercion errors: the request itself is malformed. Their messages
    # lose the input's values (schema/echoes.py), then, with introspection off, the schema's names.
    message, field = without_values(error)
    extensions: dict[str, object] = {**(error.extensions or {}), "code": _request_error_code(error)}
    if hide:
        message = hide(message)
        if field is not None and hide(field) != field:
            field = None  # a name of the schema the client did not send
    if field is not None:
        extensions.setdefault("field", field)
    return _with(error, message, extensions)


def _request_error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return PARSE_FAILED
    if isinstance(error, InvalidDocument):
        return VALIDATION_FAILED
    return BAD_VALUE  # a variable's value, coerced when the operation starts


def _each_field(error: GraphQLError) -> list[GraphQLError]:
    """One error per field of a service's SeveralFields, where it was raised; any other error as it is."""
    original = error.original_error
    if not isinstance(original, SeveralFields):
        return [error]
    return [
        GraphQLError(
            one.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=one,
        )
        for one in original.errors
    ]


def _with(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def client_errors(errors: list[GraphQLError], *, hide: Callable[[str], str] | None = None) -> list[GraphQLError]:
    """What the client sees; ``hide`` rewrites the messages of malformed requests (see SchemaNames)."""
    return [client_error(one, hide=hide) for error in errors for one in _each_field(error)]


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            log.error("Unexpected error at %s", error.path, exc_info=error.original_error)
