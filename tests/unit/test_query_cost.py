"""The query budget's count (schema/cost.py) on documents, against the rule as README states it.

Every field costs 1; a list with first/last costs 1 + page size x the cost of its selection; the page
size is the literal first (1-100), 20 when left out, 100 for a variable; fragments count where spread,
aliases each time. The expected numbers are worked out by hand here, term by term.
"""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse, validate

from schema.build import build_schema
from schema.cost import Cost, cost_limit, operation_cost
from settings import Settings

SCHEMA = build_schema(Settings())._schema


def cost(document: str) -> Cost:
    parsed = parse(document)
    (operation,) = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    return operation_cost(SCHEMA, parsed, operation, max_page=100)


def attack(aliases: int, levels: int, first: int = 100) -> str:
    """The issue's document: aliases of user(userName: "u0") with followers nested ``levels`` deep."""
    inner = "userName"
    for _ in range(levels):
        inner = f"followers(first: {first}) {{ edges {{ node {{ {inner} }} }} }}"
    return "{ " + " ".join(f'a{i}: user(userName: "u0") {{ {inner} }}' for i in range(aliases)) + " }"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{ me { userName } }", Cost(2, 0)),
        ("{ __typename me { userName __typename } }", Cost(4, 0)),
        # README's example: 1 + (1 + 10 x (1 + 1 + 1 + 1))
        ("{ me { followers(first: 10) { totalCount edges { node { userName } } } } }", Cost(42, 1)),
        # first left out: its default, 20
        ("{ me { followers { totalCount } } }", Cost(1 + 1 + 20, 1)),
        # a variable: the most it could ask for, 100, whatever is sent
        ("query($n: Int!) { me { followers(first: $n) { totalCount } } }", Cost(1 + 1 + 100, 1)),
        # out of range (refused when it runs): counted as the most
        ("{ me { followers(first: 100000) { totalCount } } }", Cost(1 + 1 + 100, 1)),
        ("{ me { followers(first: -5) { totalCount } } }", Cost(1 + 1 + 100, 1)),
        # aliases count each time
        ("{ a: me { userName } b: me { userName } c: me { userName } }", Cost(6, 0)),
        # an inline fragment costs nothing itself; its fields count
        ("{ me { ... on User { userName firstName } } }", Cost(3, 0)),
        # fragments count where they are spread, each time
        ("{ me { ...F } } fragment F on User { followers(first: 5) { totalCount } }", Cost(1 + 1 + 5, 1)),
        ("{ a: me { ...F } b: me { ...F } } fragment F on User { followers(first: 5) { totalCount } }", Cost(14, 1)),
        # nested lists multiply: following = 1 + 3 x 1; node = 1 + 4; edges = 1 + 5; followers = 1 + 2 x 6
        ("{ me { followers(first: 2) { edges { node { following(first: 3) { totalCount } } } } } }", Cost(14, 2)),
        # a list in a fragment spread inside a list nests too
        (
            "{ me { followers(first: 2) { edges { node { ...F } } } } } "
            "fragment F on User { following(first: 3) { totalCount } }",
            Cost(14, 2),
        ),
        # the other lists: the directory, follow requests, blocks, security events; sessions is no page
        ('{ users(query: "a", first: 7) { totalCount } }', Cost(1 + 7, 1)),
        ("{ followRequests(first: 3) { totalCount } blockedUsers { totalCount } }", Cost((1 + 3) + (1 + 20), 1)),
        ("{ securityEvents(first: 50) { edges { node { kind } } } }", Cost(1 + 50 * 3, 1)),
        ("{ sessions { id current } }", Cost(3, 0)),
    ],
)
def test_cost_of_documents(document: str, expected: Cost) -> None:
    assert not validate(SCHEMA, parse(document)), document
    assert cost(document) == expected


def test_the_issues_document_costs_sixty_million_and_nests_three_lists() -> None:
    # innermost followers: 1 + 100 x (edges 1 + node 1 + userName 1) = 301
    # middle: 1 + 100 x (1 + 1 + 301) = 30,301; outer: 1 + 100 x (1 + 1 + 30,301) = 3,030,301
    # user: 1 + 3,030,301; twenty aliases
    assert cost(attack(20, 3)) == Cost(20 * (1 + 3_030_301), 3)


def test_the_rule_refuses_over_the_budget_or_over_the_nesting_and_says_by_how_much() -> None:
    rule = cost_limit(budget=42, max_nested=2, max_page=100)
    at_budget = "{ me { followers(first: 10) { totalCount edges { node { userName } } } } }"
    assert validate(SCHEMA, parse(at_budget), [rule]) == []

    (over,) = validate(SCHEMA, parse(at_budget.replace("totalCount", "totalCount __typename")), [rule])
    assert over.extensions == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "reason": "QUERY_TOO_COMPLEX",
        "cost": 52,
        "budget": 42,
    }

    (nested,) = validate(SCHEMA, parse(attack(1, 3, first=1)), [cost_limit(budget=10**6, max_nested=2, max_page=100)])
    assert nested.extensions == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "reason": "QUERY_TOO_COMPLEX",
        "nesting": 3,
        "maxNesting": 2,
    }


def test_each_operation_of_a_document_is_counted_on_its_own() -> None:
    rule = cost_limit(budget=22, max_nested=2, max_page=100)
    document = "query A { me { followers { totalCount } } } query B { me { following { totalCount } } }"
    assert validate(SCHEMA, parse(document), [rule]) == []  # 22 each, not 44 together
    errors = validate(SCHEMA, parse(document.replace("following {", "following(first: 21) {")), [rule])
    assert [error.extensions["cost"] for error in errors if error.extensions] == [23]


def test_a_fragment_spread_twice_at_every_level_is_counted_once_per_fragment() -> None:
    # F0 spreads F1 twice, ..., F19 spreads F20 twice: 2 ** 20 userNames, each fragment counted once.
    fragments = " ".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(20))
    document = "{ me { ...F0 } } " + fragments + " fragment F20 on User { userName }"
    assert cost(document) == Cost(1 + 2**20, 0)


def test_cyclic_fragments_and_unknown_fields_do_not_break_the_count() -> None:
    # Other rules refuse these; the count must still end.
    cyclic = "{ me { ...A } } fragment A on User { userName ...B } fragment B on User { ...A }"
    assert cost(cyclic).cost >= 2
    assert cost("{ me { nope { deeper } } }") == Cost(3, 0)


def test_absurd_costs_saturate_at_a_json_safe_number() -> None:
    # 100 ** 8 x ... : the count stops at 2 ** 53 - 1 instead of growing a huge integer
    assert cost(attack(1, 8)).cost == 2**53 - 1
