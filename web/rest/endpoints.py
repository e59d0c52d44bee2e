"""The REST door's routes: for each, its document and how JSON body fields become GraphQL variables.

Body fields are read from the GraphQL schema (an input type's fields, an operation's arguments), renamed where
the seed documents name them otherwise (``username``, ``passwordHash``, ``profileImage_MediaUrl``): a field added
to ``UpdateUserInput`` is accepted by the update routes at once, with its GraphQL description and type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import GraphQLInputObjectType, GraphQLInputType, GraphQLSchema, Undefined, is_non_null_type
from strawberry.types.graphql import OperationType

from web.rest import documents

# The OpenAPI document's operationId of each route.
OPERATION_IDS = {
    ("POST", "/register"): "register",
    ("POST", "/login"): "login",
    ("PUT", "/user/profile"): "updateProfile",
    ("POST", "/api/register"): "apiRegister",
    ("GET", "/api/users/{userName}"): "getUser",
    ("PUT", "/api/users/{userName}"): "updateUser",
    ("DELETE", "/api/users/{userName}"): "deleteUser",
    ("GET", "/api/me"): "me",
    ("PUT", "/api/users/{userName}/profile-image"): "setProfileImage",
    ("DELETE", "/api/users/{userName}/profile-image"): "removeProfileImage",
}


@dataclass(frozen=True)
class BodyField:
    """A JSON body field: the GraphQL variable it goes in, and the input field inside it (None: the variable
    itself)."""

    name: str
    variable: str
    key: str | None
    type: GraphQLInputType
    description: str | None
    required: bool


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # Starlette's form: /api/users/{userName}
    document: str
    result: str  # the field of the answer's data that is the REST answer
    summary: str
    description: str
    body_fields: tuple[BodyField, ...] = ()
    body: Literal["required", "optional", "none", "image"] = "none"  # image: the raw bytes of a picture
    body_schema: str = ""  # the request body's name in the OpenAPI document
    path_variables: Mapping[str, str] = field(default_factory=dict)  # path parameter -> variable
    input_variables: tuple[str, ...] = ()  # input-object variables, sent ({} at least) even when no field is
    created: bool = False  # 201 on success
    needs_token: bool = False
    null_is_not_found: bool = False  # a null result is 404 (user(userName:) answers null for no such user)
    conflicts: bool = False  # may answer 409
    seed: str = ""  # which seed document names the route

    @property
    def operation_type(self) -> OperationType:
        return OperationType.QUERY if self.document.lstrip().startswith("query") else OperationType.MUTATION

    @property
    def operation_id(self) -> str:
        return OPERATION_IDS[(self.method, self.path)]

    @property
    def operation_name(self) -> str:
        return documents.name_of(self.document)

    def graphql_names(self) -> dict[str, str]:
        """GraphQL input field or argument name -> body field name: errors name the field the client sent."""
        names = {f.key or f.variable: f.name for f in self.body_fields}
        names.update({variable: parameter for parameter, variable in self.path_variables.items()})
        return names


def _input_fields(
    schema: GraphQLSchema,
    type_name: str,
    variable: str,
    *,
    rename: Mapping[str, str] | None = None,
    only: tuple[str, ...] | None = None,
) -> tuple[BodyField, ...]:
    input_type = schema.get_type(type_name)
    if not isinstance(input_type, GraphQLInputObjectType):
        raise TypeError(f"{type_name} is no input type of the schema")
    rename = rename or {}
    names = only if only is not None else tuple(input_type.fields)
    found = []
    for key in names:
        graphql_field = input_type.fields[key]
        required = is_non_null_type(graphql_field.type) and graphql_field.default_value is Undefined
        found.append(
            BodyField(rename.get(key, key), variable, key, graphql_field.type, graphql_field.description, required)
        )
    return tuple(found)


def _arguments(schema: GraphQLSchema, root: str, name: str, names: Mapping[str, str]) -> tuple[BodyField, ...]:
    """Arguments of a root field as body fields (each its own variable, named as the argument)."""
    root_type = schema.mutation_type if root == "mutation" else schema.query_type
    if root_type is None:
        raise TypeError(f"the schema has no {root} type")
    arguments = root_type.fields[name].args
    found = []
    for argument, body_name in names.items():
        graphql_argument = arguments[argument]
        required = is_non_null_type(graphql_argument.type) and graphql_argument.default_value is Undefined
        found.append(
            BodyField(body_name, argument, None, graphql_argument.type, graphql_argument.description, required)
        )
    return tuple(found)


USER_NAME = {"userName": "userName"}
SEED_000_REGISTER = ("userName", "password", "email")  # the fields seed 000's /register names
NAME = (
    "`name` (a full name) sets firstName to its first word and lastName to the rest, as GraphQL's updateProfile "
    "does; send firstName and lastName instead to set them apart."
)
UPDATE = (
    "Only the fields sent change; null clears a nullable one. A password change needs providedOldPassword and "
    "providedNewPassword together and revokes every earlier token (log in again). A new email needs a sign-in "
    "within RECENT_SIGN_IN_SECONDS or providedOldPassword (else 403, reason RECENT_SIGN_IN_REQUIRED). "
)


def endpoints(schema: GraphQLSchema) -> tuple[Endpoint, ...]:
    """The routes, their body fields read from ``schema`` (graphql-core's)."""
    update_fields = _input_fields(schema, "UpdateUserInput", "input", rename={"profileImage": "profileImage_MediaUrl"})
    return (
        Endpoint(
            "POST",
            "/register",
            documents.REGISTER,
            "register",
            "Register (seed 000)",
            "Create an account and sign it in (GraphQL's register): 201 with tokens and the user.",
            body_fields=_input_fields(
                schema,
                "RegisterInput",
                "input",
                rename={"userName": "username"},
                only=("userName", "password", "email"),
            ),
            body="required",
            body_schema="Register",
            input_variables=("input",),
            created=True,
            conflicts=True,
            seed="000",
        ),
        Endpoint(
            "POST",
            "/login",
            documents.LOGIN,
            "login",
            "Log in (seed 000)",
            "Sign in by user name (any case) or email (GraphQL's login): tokens and the user. With two-factor "
            "sign-in on, send otp too.",
            body_fields=_arguments(
                schema, "mutation", "login", {"userName": "username", "password": "password", "otp": "otp"}
            ),
            body="required",
            body_schema="Login",
            seed="000",
        ),
        Endpoint(
            "PUT",
            "/user/profile",
            documents.UPDATE_PROFILE,
            "updateProfile",
            "Update the signed-in user (seed 000)",
            UPDATE + NAME,
            body_fields=update_fields,
            body="required",
            body_schema="UserUpdate",
            input_variables=("input",),
            needs_token=True,
            conflicts=True,
            seed="000",
        ),
        Endpoint(
            "POST",
            "/api/register",
            documents.REGISTER,
            "register",
            "Register (seed 001)",
            "Create an account and its profile (defaults: pushNotifications, accountPrivacy and verified false) and "
            "sign it in (GraphQL's register): 201 with tokens and the user. passwordHash is the password itself, "
            "as the seed sends it; the server hashes it.",
            body_fields=_input_fields(schema, "RegisterInput", "input", rename={"password": "passwordHash"}),
            body="required",
            body_schema="ApiRegister",
            input_variables=("input",),
            created=True,
            conflicts=True,
            seed="001",
        ),
        Endpoint(
            "GET",
            "/api/users/{userName}",
            documents.USER_BY_NAME,
            "user",
            "Read a user",
            "A user by name, any case (GraphQL's user): email and phoneNumber are null unless it is you or you are "
            "an admin. 404 when there is none, it blocks you, or it is deactivated or suspended.",
            path_variables=USER_NAME,
            needs_token=True,
            null_is_not_found=True,
        ),
        Endpoint(
            "PUT",
            "/api/users/{userName}",
            documents.UPDATE_USER,
            "updateUser",
            "Update a user (seed 001)",
            "Update the named user, yourself unless you are an admin (GraphQL's updateUser). " + UPDATE + NAME,
            body_fields=update_fields,
            body="required",
            body_schema="UserUpdate",
            path_variables=USER_NAME,
            input_variables=("input",),
            needs_token=True,
            conflicts=True,
            seed="001",
        ),
        Endpoint(
            "DELETE",
            "/api/users/{userName}",
            documents.DELETE_USER,
            "deleteUser",
            "Delete a user (seed 001)",
            "Delete the named user and its data for good, yourself unless you are an admin (GraphQL's deleteUser). "
            "Needs a sign-in within RECENT_SIGN_IN_SECONDS, or the password in an optional JSON body "
            '{"password": "..."} (else 403, reason RECENT_SIGN_IN_REQUIRED).',
            body_fields=_arguments(schema, "mutation", "deleteUser", {"password": "password"}),
            body="optional",
            body_schema="DeleteUser",
            path_variables=USER_NAME,
            needs_token=True,
            seed="001",
        ),
        Endpoint(
            "GET",
            "/api/me",
            documents.ME,
            "me",
            "Read the signed-in user",
            "The signed-in user, email and phoneNumber included (GraphQL's me).",
            needs_token=True,
        ),
        Endpoint(
            "PUT",
            "/api/users/{userName}/profile-image",
            documents.SET_PROFILE_IMAGE,
            "setProfileImage",
            "Upload a profile picture",
            "The body is the picture itself (any Content-Type: its content decides): a JPEG, PNG, WebP or GIF of at "
            "most MEDIA_MAX_BYTES (8 MB by default; 413 IMAGE_TOO_LARGE past it, read no further) and "
            "MEDIA_MAX_PIXELS pixels. Stored re-encoded (no EXIF or location, orientation applied, square, 400, 128 "
            "and 48 px); the answer is the user, profileImage its absolute URL. Yourself unless you are an admin "
            "(GraphQL's setProfileImage). A bad picture is 422 with code IMAGE_UNSUPPORTED (not such a picture by "
            "its content, e.g. an SVG), IMAGE_UNREADABLE (damaged, truncated, or with data after its end) or "
            "IMAGE_TOO_MANY_PIXELS; nothing is stored then.",
            body="image",
            path_variables=USER_NAME,
            needs_token=True,
        ),
        Endpoint(
            "DELETE",
            "/api/users/{userName}/profile-image",
            documents.REMOVE_PROFILE_IMAGE,
            "removeProfileImage",
            "Remove the profile picture",
            "Remove the named user's profile picture (an uploaded one, whose files go, or an external URL), "
            "yourself unless you are an admin (GraphQL's removeProfileImage): the user, profileImage null.",
            path_variables=USER_NAME,
            needs_token=True,
        ),
    )


def variables_for(endpoint: Endpoint, body: Mapping[str, Any], path: Mapping[str, Any]) -> dict[str, Any]:
    """The GraphQL variables of a request: its body fields and path parameters, renamed."""
    variables: dict[str, Any] = {name: {} for name in endpoint.input_variables}
    for body_field in endpoint.body_fields:
        if body_field.name not in body:
            continue
        value = body[body_field.name]
        if body_field.key is None:
            variables[body_field.variable] = value
        else:
            variables.setdefault(body_field.variable, {})[body_field.key] = value
    if endpoint.body == "image":
        variables["file"] = body["file"]  # bytes: the Upload the resolver reads
    for parameter, variable in endpoint.path_variables.items():
        variables[variable] = path[parameter]
    return variables
