"""The GraphQL schema with its guards: the validation rules, the request pipeline and the trusted documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import strawberry
from graphql import DocumentNode, GraphQLError, NoSchemaIntrospectionCustomRule
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.types import ExecutionContext

from resolvers import Mutation, Query
from schema.core import core_schema
from schema.cost import cost_limit
from schema.errors import log_unexpected
from schema.pagination import FIRST_MAX
from schema.pipeline import RequestPipeline
from schema.trusted import prepare_trusted
from schema.types import install_lean_resolvers
from schema.validation import CountValidations, depth_limit
from settings import Settings

UNLIMITED = 1_000_000  # the token and selection limits of the server's own documents: none to speak of


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Rejected requests are the client's business; only unexpected errors reach the log.
        log_unexpected(errors)


def build_schema(
    settings: Settings,
    manifest: Mapping[str, str] | None = None,
    extra: Sequence[Callable[[], SchemaExtension]] = (),
    own: Mapping[str, str] | None = None,
) -> AppSchema:
    """The schema with its guards. The rules are built once, so the validation cache can hit; the
    manifest's trusted documents are parsed and validated here, once. ``own`` (name -> document): the server's
    own documents (the REST door's), trusted as well, and checked against the schema only: the token, selection,
    depth, alias and cost limits bound what clients write, and a fixed document of the server's must not stop a
    server whose operator set them low."""
    rules: list[type[ASTValidationRule]] = [
        depth_limit(settings.max_query_depth),
        alias_limit(settings.max_aliases),
        cost_limit(budget=settings.max_query_cost, max_nested=settings.max_nested_connections, max_page=FIRST_MAX),
        CountValidations,
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    trusted: dict[str, DocumentNode] = {}
    built = AppSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            # Adds the rules, parses once per distinct text with the token and selection limits (before any
            # validation), validates once per document, and names the operation: one extension, one set of hooks.
            partial(
                RequestPipeline,
                rules=rules,
                max_tokens=settings.max_tokens,
                max_selections=settings.max_selections,
                trusted=trusted,
            ),
            *extra,
        ],
    )
    prepare_trusted(
        built,
        manifest or {},
        rules,
        max_tokens=settings.max_tokens,
        max_selections=settings.max_selections,
        into=trusted,
    )
    prepare_trusted(
        built,
        own or {},
        (),
        max_tokens=UNLIMITED,
        max_selections=UNLIMITED,
        into=trusted,
        kind="the server's own document",
    )
    install_lean_resolvers(core_schema(built))
    return built


def sdl() -> str:
    """The schema's SDL (it does not depend on settings): what ``python main.py export-schema`` prints."""
    return build_schema(Settings()).as_str()
