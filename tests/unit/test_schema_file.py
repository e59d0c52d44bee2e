"""schema.graphql is the contract reviewers and code generators read: it must match the code."""

from pathlib import Path

from schema.build import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl() + "\n", "schema.graphql is stale: run `make schema`"
