"""The one place errors become what a client sees: a stable ``extensions.code``, and nothing internal."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError

from services.errors import AccountError

log = logging.getLogger("app.errors")

INTERNAL_MESSAGE = "Internal server error."


def is_unexpected(error: GraphQLError) -> bool:
    """A bug or an outage, as opposed to a rejected request."""
    original = error.original_error
    return original is not None and not isinstance(original, (AccountError, GraphQLError))


SUGGESTION = re.compile(r" ?Did you mean .*\?$")


def client_error(error: GraphQLError, *, hide_suggestions: bool = False) -> GraphQLError:
    original = error.original_error
    if isinstance(original, AccountError):
        return _with(error, original.message, original.extensions())
    if is_unexpected(error):
        return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})
    if error.extensions and "code" in error.extensions:
        return error
    # Syntax, validation and variable-coercion errors: the request itself is malformed.
    # "Did you mean ...?" would let a stranger map a schema whose introspection is off.
    message = SUGGESTION.sub("", error.message) if hide_suggestions else error.message
    return _with(error, message, {**(error.extensions or {}), "code": "BAD_USER_INPUT"})


def _with(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def client_errors(errors: list[GraphQLError], *, hide_suggestions: bool = False) -> list[GraphQLError]:
    return [client_error(error, hide_suggestions=hide_suggestions) for error in errors]


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            log.error("Unexpected error at %s", error.path, exc_info=error.original_error)
