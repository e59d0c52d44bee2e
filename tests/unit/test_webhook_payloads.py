"""The webhook events' data as README's "Webhook events" documents it: every type in its table and example,
each example the shape services/webhooks/payloads.py builds, and the user's id the one GraphQL gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from models import User
from schema.nodes import global_id
from services.webhooks import payloads
from services.webhooks.events import EVENT_TYPES

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("### Webhook events\n")
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else None]


@pytest.mark.parametrize("user_id", [1, 2, 10, 999, 2**53, 9_223_372_036_854_775_807])
def test_an_events_user_id_is_the_graphql_global_id(user_id: int) -> None:
    assert payloads.user_global_id(user_id) == global_id("User", user_id)


def test_the_table_lists_the_ten_types() -> None:
    rows = re.findall(r"^\| `([a-z_.]+)` \|", _section(), flags=re.M)

    assert rows == list(EVENT_TYPES)


def test_each_example_is_the_shape_the_server_writes() -> None:
    example = re.search(r"```json\n(.*?)```", _section(), flags=re.S)
    assert example is not None
    documented = json.loads(example.group(1))
    john, ann = User(id=1, user_name="john_doe"), User(id=2, user_name="ann_lee")
    session = documented["session.revoked"]["session"]["id"]

    written = {
        "user.created": payloads.created(john),
        "user.updated": payloads.updated(john, ["bio", "password"]),
        "user.email_verified": payloads.email_verified(john, "john@example.com"),
        "user.deactivated": payloads.deactivated(john),
        "user.restored": payloads.restored(john, was="deactivated"),
        "user.suspended": payloads.suspended(john),
        "user.deleted": payloads.deleted(1, "john_doe", purged=True),
        "session.revoked": payloads.session_revoked(1, "john_doe", session_id=session, reason="SESSION_ENDED"),
        "follow.created": payloads.follow(john, ann),
        "follow.deleted": payloads.follow(john, ann),
    }

    assert list(documented) == list(EVENT_TYPES)
    assert documented == written


def test_changed_names_graphql_fields() -> None:
    data = payloads.updated(User(id=3, user_name="kim"), ["first_name", "email", "email_verified", "password"])

    assert data["changed"] == ["firstName", "email", "emailVerified", "password"]
