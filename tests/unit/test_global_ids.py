"""schema.nodes: a global id names one object, in one spelling, and anything else is BAD_USER_INPUT."""

from __future__ import annotations

import base64

import pytest

from schema.nodes import global_id, parse_global_id
from services.errors import InvalidInput


@pytest.mark.parametrize("row_id", [1, 12, 999, 2**63 - 1])
def test_a_global_id_parses_back_to_its_type_and_row(row_id: int) -> None:
    made = global_id("User", row_id)

    assert parse_global_id(made) == ("User", row_id)
    assert base64.b64decode(made) == f"User:{row_id}".encode()  # graphql-relay's and strawberry.relay's form


def test_ids_differ_by_row() -> None:
    assert len({global_id("User", row) for row in range(1, 1000)}) == 999


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12",
        global_id("User", 12).rstrip("="),
        global_id("User", 12) + "==",
        base64.b64encode(b"User:0").decode(),
        base64.b64encode(b"User:007").decode(),
        base64.b64encode(f"User:{2**63}".encode()).decode(),
        base64.b64encode(b"Session:1").decode(),
        base64.b64encode("User:\u0661".encode()).decode(),  # an Arabic-Indic digit one is no row id
        "VXNlcj-xMg==",  # the URL-safe alphabet is not the one ids are written in
        "A" * 1000,
    ],
)
def test_anything_else_is_bad_user_input_naming_the_field(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_global_id(value, field="ids")

    assert refused.value.field == "ids"
