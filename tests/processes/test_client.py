"""An ordinary GraphQL client library works unchanged: gql over real HTTP against ``python main.py``.

gql fetches the schema by introspection and validates every document against it before sending,
so this also proves the published schema is what the server executes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from tests.support import DELETE_USER, LOGIN, ME, PASSWORD, REGISTER, UPDATE_USER
from tests.support.servers import Server, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as running:
        yield running


def execute(server: Server, document: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    client = Client(transport=HTTPXTransport(url=server.graphql_url, headers=headers), fetch_schema_from_transport=True)
    with client as session:
        return session.execute(GraphQLRequest(document, variable_values=variables))


def test_register_login_me_update_delete_with_gql(server: Server) -> None:
    registered = execute(server, REGISTER, input={"userName": "grace", "password": PASSWORD, "email": "g@example.com"})
    user_id = registered["register"]["user"]["userID"]

    token = execute(server, LOGIN, userName="Grace", password=PASSWORD)["login"]["accessToken"]
    me = execute(server, ME, token)["me"]
    updated = execute(server, UPDATE_USER, token, userName="grace", input={"firstName": "Grace", "bio": "COBOL"})
    deleted = execute(server, DELETE_USER, token, userName="grace")["deleteUser"]
    with pytest.raises(TransportQueryError) as after_delete:
        execute(server, ME, token)

    assert (me["userID"], me["userName"], me["email"]) == (user_id, "grace", "g@example.com")
    assert (updated["updateUser"]["firstName"], updated["updateUser"]["bio"]) == ("Grace", "COBOL")
    assert deleted == {"userID": user_id, "userName": "grace"}
    assert after_delete.value.errors is not None
    assert after_delete.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_errors_reach_the_client_with_code_and_field(server: Server) -> None:
    execute(server, REGISTER, input={"userName": "grace", "password": PASSWORD})

    with pytest.raises(TransportQueryError) as taken:
        execute(server, REGISTER, input={"userName": "GRACE", "password": PASSWORD})

    assert taken.value.errors is not None
    assert taken.value.errors[0]["extensions"] == {"code": "CONFLICT", "field": "userName"}
