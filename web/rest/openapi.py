"""``GET /openapi.json``: an OpenAPI 3.1 document of the REST door, written from the door's own routes.

The answers' schemas are read from the GraphQL schema along each route's stored document (what it selects,
with GraphQL's types, nullability and descriptions), and the request bodies from the fields each route maps to
GraphQL variables: the document describes what the door does, and cannot drift from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLType,
    OperationDefinitionNode,
    SelectionSetNode,
    get_nullable_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_scalar_type,
    parse,
)

from web.rest.endpoints import BodyField, Endpoint

VERSION = "1.0.0"
RENAMED = {
    "username": "The user name (GraphQL: userName). ",
    "passwordHash": "The password itself, as the seed sends it; the server stores only a hash (GraphQL: password). ",
    "profileImage_MediaUrl": "The profile image's URL (GraphQL: profileImage; answers name it profileImage). ",
}
_SCALARS = {
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "Boolean": {"type": "boolean"},
    "Int": {"type": "integer"},
    "Float": {"type": "number"},
    "DateTime": {"type": "string", "format": "date-time"},
}
ERROR_ITEM = {
    "type": "object",
    "description": "One error: code as GraphQL's extensions.code, field the body field or path parameter at fault "
    "(as the client named it), and what else GraphQL's extensions carry (reason, retryAfter).",
    "properties": {
        "code": {"type": "string", "examples": ["BAD_USER_INPUT", "CONFLICT", "UNAUTHENTICATED"]},
        "message": {"type": "string"},
        "field": {"type": "string"},
        "reason": {"type": "string"},
        "retryAfter": {"type": "integer", "minimum": 1},
    },
    "required": ["code", "message"],
    "additionalProperties": True,
}
ERROR_RESPONSE = {
    "type": "object",
    "description": "Every failure: error is the first of errors (its code gives the status); errors has all of "
    "them, every failing field included, in GraphQL's order.",
    "properties": {
        "error": {"$ref": "#/components/schemas/Error"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}, "minItems": 1},
    },
    "required": ["error", "errors"],
    "additionalProperties": False,
}
FAILURES = {
    400: "Malformed: the body is not a JSON object, or Content-Type is not application/json (BAD_REQUEST).",
    401: "Missing, malformed, expired or revoked token; for login, a wrong user name or password (UNAUTHENTICATED).",
    403: "Not allowed (FORBIDDEN): another user's account, verified sent by a non-admin, a suspended account, or no "
    "recent sign-in for an email change or a deletion (reason RECENT_SIGN_IN_REQUIRED: send the password).",
    404: "No such user, or one hidden from you (NOT_FOUND).",
    409: "userName, email or phoneNumber is taken (CONFLICT; field names it).",
    413: "The body is over MAX_BODY_BYTES (PAYLOAD_TOO_LARGE); a picture over MEDIA_MAX_BYTES (IMAGE_TOO_LARGE).",
    422: "Fields break a rule, are of the wrong type, missing, or unknown (BAD_USER_INPUT): every one, each with its "
    "field; a picture that is no JPEG, PNG, WebP or GIF by its content (IMAGE_UNSUPPORTED), is damaged or has data "
    "after its end (IMAGE_UNREADABLE), or has too many pixels (IMAGE_TOO_MANY_PIXELS), field file.",
    429: "Too many attempts (TOO_MANY_REQUESTS), counted with GraphQL's: wait Retry-After seconds.",
    500: "Something unexpected broke (INTERNAL_SERVER_ERROR; details only in the server log), or the answer was over "
    "MAX_RESPONSE_BYTES (RESPONSE_TOO_LARGE).",
}
PICTURE_BODY = {
    media: {"schema": {"type": "string", "contentMediaType": media}}
    for media in ("image/jpeg", "image/png", "image/webp", "image/gif", "application/octet-stream")
}
DESCRIPTION = (
    "The seed documents' REST routes beside the GraphQL API at /graphql (the whole API; GraphiQL in a browser). "
    "Each route runs one GraphQL operation with the same rules, guards and throttles. JSON in and out; a field "
    "the route does not know is refused (422), never ignored. Every failure answers "
    '{"error": {...}, "errors": [...]} (components.schemas.ErrorResponse). Any other path answers 404 in JSON.'
)


class _Schemas:
    """components.schemas, filled as the documents are walked; an object type is one schema by its GraphQL name."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"Error": ERROR_ITEM, "ErrorResponse": ERROR_RESPONSE}

    def output(self, graphql_type: GraphQLOutputType, selections: SelectionSetNode | None) -> dict[str, Any]:
        nullable = not is_non_null_type(graphql_type)
        inner = get_nullable_type(graphql_type)
        schema: dict[str, Any]
        if is_list_type(inner):
            schema = {"type": "array", "items": self.output(inner.of_type, selections)}
        elif is_object_type(inner) and selections is not None:
            schema = {"$ref": "#/components/schemas/" + self._object(inner, selections)}
        else:
            schema = _scalar(inner)
        return _or_null(schema) if nullable else schema

    def _object(self, object_type: GraphQLObjectType, selections: SelectionSetNode) -> str:
        properties: dict[str, Any] = {}
        for selection in selections.selections:
            if not isinstance(selection, FieldNode):
                raise TypeError("the REST documents select fields only (no fragments)")
            graphql_field = object_type.fields[selection.name.value]
            schema = self.output(graphql_field.type, selection.selection_set)
            if graphql_field.description:
                schema = {**schema, "description": graphql_field.description}
            properties[(selection.alias or selection.name).value] = schema
        built = {
            "type": "object",
            "description": object_type.description or object_type.name,
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
        known = self.schemas.setdefault(object_type.name, built)
        if known != built:
            raise ValueError(f"the REST documents select {object_type.name} in two ways: select it alike")
        return object_type.name


def _scalar(graphql_type: GraphQLType) -> dict[str, Any]:
    if not is_scalar_type(graphql_type):
        raise TypeError(f"{graphql_type} is no scalar: the REST door maps scalars only")
    return dict(_SCALARS.get(graphql_type.name, {"type": "string"}))


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def _body_property(body_field: BodyField) -> dict[str, Any]:
    nullable = not is_non_null_type(body_field.type)
    schema = _scalar(get_nullable_type(body_field.type))
    if nullable:
        schema = _or_null(schema)
    description = RENAMED.get(body_field.name, "") + (body_field.description or "")
    return {**schema, "description": description.strip()}


def _body(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {body_field.name: _body_property(body_field) for body_field in endpoint.body_fields},
        "required": [body_field.name for body_field in endpoint.body_fields if body_field.required],
        "additionalProperties": False,
    }


def _root(schema: GraphQLSchema, endpoint: Endpoint) -> tuple[GraphQLOutputType, FieldNode]:
    operation = parse(endpoint.document).definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        raise TypeError("a REST document is one operation")
    root_type = schema.query_type if operation.operation.value == "query" else schema.mutation_type
    selection = operation.selection_set.selections[0]
    if root_type is None or not isinstance(selection, FieldNode):
        raise TypeError("a REST document selects one root field")
    return root_type.fields[selection.name.value].type, selection


def _failures(endpoint: Endpoint) -> list[int]:
    statuses = [413, 500]  # any request may carry a body over the cap
    if endpoint.body == "image":
        statuses.append(422)
    elif endpoint.body != "none":
        statuses += [400, 422]
    if endpoint.path_variables:
        statuses += [404, 422]
    if endpoint.needs_token or endpoint.operation_id == "login":
        statuses += [401, 403]
    if endpoint.operation_type.value == "mutation":
        statuses.append(429)
    if endpoint.conflicts:
        statuses.append(409)
    return sorted(set(statuses))


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": FAILURES[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": 'Bearer; Bearer error="invalid_token" when a token was sent',
                "schema": {"type": "string"},
            }
        }
    if status == 429:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}
        }
    return response


def document(endpoints: Sequence[Endpoint], schema: GraphQLSchema) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``endpoints`` (graphql-core's ``schema`` gives their types)."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        result_type, selection = _root(schema, endpoint)
        success = schemas.output(result_type, selection.selection_set)
        if endpoint.null_is_not_found:
            success = success["anyOf"][0]  # a null result is the 404
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "description": endpoint.description + f" Runs the GraphQL operation {endpoint.operation_name}.",
            "security": [{"bearerAuth": []}] if endpoint.needs_token else [],
            "responses": {
                str(201 if endpoint.created else 200): {
                    "description": "Created" if endpoint.created else "OK",
                    "content": {"application/json": {"schema": success}},
                },
                **{str(status): _error_response(status) for status in _failures(endpoint)},
            },
        }
        if endpoint.path_variables:
            operation["parameters"] = [
                {
                    "name": parameter,
                    "in": "path",
                    "required": True,
                    "description": "The user's name, in any case (john_doe and John_Doe are one user).",
                    "schema": {"type": "string"},
                }
                for parameter in endpoint.path_variables
            ]
        if endpoint.body == "image":
            operation["requestBody"] = {"required": True, "content": PICTURE_BODY}
        elif endpoint.body != "none":
            schemas.schemas[endpoint.body_schema] = _body(endpoint)
            operation["requestBody"] = {
                "required": endpoint.body == "required",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/" + endpoint.body_schema}}},
            }
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "user-service REST API", "version": VERSION, "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas.schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The accessToken of register or login, as 'Authorization: Bearer <accessToken>'.",
                }
            },
        },
    }
