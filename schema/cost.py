"""The query budget: how much work a document may ask for, counted before it runs.

Every field costs 1. A connection (a field taking ``first`` or ``last``: followers, following, users,
followRequests, blockedUsers, securityEvents) costs 1 plus its page size times the cost of its selection,
so nested lists multiply; so does nodes(ids:), its page size being the number of ids. The page size is
the literal ``first`` when it is one of 1 to the maximum, the argument's default when it is left out,
and the maximum (100) otherwise (a list of ids: its length, at most the maximum): a variable is not known
when the document is validated, so it is charged what it could ask for. That keeps the count a property
of the document alone: one validation rule, run once per distinct document and cached with its
validation (schema/pipeline.py), trusted documents included. Fragments and inline fragments count where
they are spread, aliases each time, ``@skip``/``@include`` as if included. A document is refused when
one of its operations costs more than the budget or nests connections deeper than the ceiling: with
GRAPHQL_VALIDATION_FAILED, as every rule that refuses a document (the depth and alias limits too), and
``reason`` QUERY_TOO_COMPLEX. The document, not a value a person typed, has to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    SKIP,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_interface_type,
    is_object_type,
    type_from_ast,
)
from graphql.validation import ValidationRule

from schema.errors import VALIDATION_FAILED

PAGE_ARGUMENTS = ("first", "last")
LIST_ARGUMENTS = ("ids",)  # nodes(ids:): as many entries as ids (a variable: as many as it could hold)
CODE = VALIDATION_FAILED
REASON = "QUERY_TOO_COMPLEX"
MOST = 2**53 - 1  # counts saturate here (JSON numbers stay exact): far over any budget


@dataclass(frozen=True)
class Cost:
    """What one operation may ask for: its cost, and the most connections nested in one another."""

    cost: int
    nesting: int


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, *, max_page: int
) -> Cost:
    """The cost of ``operation`` in ``document`` (see the module's description)."""
    root = schema.get_root_type(operation.operation)
    return _Walk(schema, document, max_page).selections(operation.selection_set, root)


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, max_page: int) -> None:
        self.schema = schema
        self.max_page = max_page
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        # Each fragment is counted once and reused wherever it is spread (spreading one twice in each of
        # twenty fragments must not cost 2**20 walks); one being counted is a cycle, refused elsewhere.
        self.counted: dict[str, Cost] = {}
        self.counting: set[str] = set()

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> Cost:
        cost = nesting = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                found = self.selections(
                    selection.selection_set, type_from_ast(self.schema, condition) if condition else parent
                )
            elif isinstance(selection, FragmentSpreadNode):
                found = self.fragment(selection.name.value)
            else:  # pragma: no cover - the three kinds of selection
                continue
            cost = min(cost + found.cost, MOST)
            nesting = max(nesting, found.nesting)
        return Cost(cost, nesting)

    def fragment(self, name: str) -> Cost:
        if name in self.counted:
            return self.counted[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.counting:
            return Cost(0, 0)  # unknown or cyclic: other rules refuse the document
        self.counting.add(name)
        found = self.selections(definition.selection_set, type_from_ast(self.schema, definition.type_condition))
        self.counting.discard(name)
        self.counted[name] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Cost:
        definition = None
        if is_object_type(parent) or is_interface_type(parent):
            definition = parent.fields.get(node.name.value)
        if node.selection_set is None:
            return Cost(1, 0)
        below = self.selections(node.selection_set, get_named_type(definition.type) if definition else None)
        page = self.page_size(node, definition) if definition else None
        if page is None:
            return Cost(min(1 + below.cost, MOST), below.nesting)
        return Cost(min(1 + page * below.cost, MOST), below.nesting + 1)

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """How many entries the field may return, or None for a field that is not a connection."""
        sizes = []
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        for name in PAGE_ARGUMENTS:
            argument = definition.args.get(name)
            if argument is None:
                continue
            value: Any = given.get(name, argument.default_value)
            if isinstance(value, IntValueNode):
                value = int(value.value)
            if name not in given and value is None:
                continue  # an optional argument left out asks for nothing
            sizes.append(value if type(value) is int and 1 <= value <= self.max_page else self.max_page)
        for name in LIST_ARGUMENTS:
            if name in definition.args and name in given:
                value = given[name]
                count = len(value.values) if isinstance(value, ListValueNode) else self.max_page
                sizes.append(min(count, self.max_page))
        return max(sizes) if sizes else None


def cost_limit(*, budget: int, max_nested: int, max_page: int) -> type[ValidationRule]:
    """The validation rule refusing documents over ``budget`` or with connections nested over ``max_nested``.

    Built once (the validation cache keys on the rules themselves), it counts each operation once."""

    class QueryCost(ValidationRule):
        def enter_document(self, node: DocumentNode, *args: Any) -> Any:
            schema = self.context.schema
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                if schema.get_root_type(definition.operation) is None:
                    continue  # no such operation type: another rule says so
                found = operation_cost(schema, node, definition, max_page=max_page)
                if found.nesting > max_nested:
                    self.report_error(
                        GraphQLError(
                            f"The operation nests {found.nesting} lists of entries (first/last) in one another; "
                            f"at most {max_nested} are allowed.",
                            definition,
                            extensions={
                                "code": CODE,
                                "reason": REASON,
                                "nesting": found.nesting,
                                "maxNesting": max_nested,
                            },
                        )
                    )
                elif found.cost > budget:
                    self.report_error(
                        GraphQLError(
                            f"The operation costs {found.cost}, over the budget of {budget}: ask for smaller "
                            "pages (first) or fewer fields in nested lists.",
                            definition,
                            extensions={"code": CODE, "reason": REASON, "cost": found.cost, "budget": budget},
                        )
                    )
            return SKIP

    return QueryCost
