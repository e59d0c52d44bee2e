"""Global ids for client caches: User.id is stable and opaque, and node(id:) / nodes(ids:) fetch a user by it
as user(userName:) would (the same visibility, null where that answers null), at no extra query."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from services.accounts import registration
from tests.graphql.test_query_counts import DB_CLIENT, Queries
from tests.support import Account, Api, Result
from tests.support.social import BLOCK, act, follow

NODE = """
query Node($id: ID!) {
  node(id: $id) { __typename id ... on User { userName email isAdmin followersCount } }
}"""
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { userName } } }"
ME_ID = "query MeId { me { id userID userName } }"
USER_ID = "query UserId($userName: String!) { user(userName: $userName) { id userID userName } }"
RENAME = "mutation Rename($input: UpdateUserInput!) { updateProfile(input: $input) { id userName bio } }"
LOGIN_ID = """
mutation LoginId($userName: String!, $password: String!) {
  login(userName: $userName, password: $password) { user { id } }
}"""
DIRECTORY_ID = "query Find($query: String!) { users(query: $query) { edges { node { id userName } } } }"
FOLLOWERS_ID = "query Fans { me { followers { edges { node { id userName } } } } }"
DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SUSPEND = 'mutation Suspend($userName: String!) { suspendUser(userName: $userName, reason: "spam") { userName } }'
DELETE = "mutation Delete($userName: String!) { deleteUser(userName: $userName) { userName } }"


@pytest.fixture
def queries(caplog: pytest.LogCaptureFixture) -> Queries:
    caplog.set_level(logging.DEBUG, logger=DB_CLIENT)
    return Queries(caplog)


def _data(result: Result) -> Any:
    assert not result.errors, result.body
    return result.data


async def _id(api: Api, account: Account, user_name: str | None = None) -> str:
    if user_name is None:
        return str(_data(await api.execute(ME_ID, token=account.token))["me"]["id"])
    return str(_data(await api.execute(USER_ID, {"userName": user_name}, token=account.token))["user"]["id"])


async def _node(api: Api, viewer: Account, id: str) -> Any:
    return _data(await api.execute(NODE, {"id": id}, token=viewer.token))["node"]


# User.id


async def test_a_users_id_is_the_same_on_every_path_and_after_a_rename(api: Api) -> None:
    ann = await api.register("ann")
    bob = await api.register("bob")
    await follow(api, bob, "ann")
    own = await _id(api, ann)
    login = _data(await api.execute(LOGIN_ID, {"userName": "ANN", "password": ann.password}))["login"]
    found = _data(await api.execute(DIRECTORY_ID, {"query": "ann"}, token=bob.token))["users"]["edges"]
    fans = _data(await api.execute(FOLLOWERS_ID, token=ann.token))["me"]["followers"]["edges"]

    seen = [login["user"]["id"], await _id(api, bob, "ann"), await _id(api, ann, "Ann"), found[0]["node"]["id"]]
    renamed = _data(await api.execute(RENAME, {"input": {"userName": "ann_lee"}}, token=ann.token))["updateProfile"]

    assert seen == [own] * 4
    assert [edge["node"]["id"] for edge in fans] == [await _id(api, bob)]
    assert renamed == {"id": own, "userName": "ann_lee", "bio": None}  # the account's, not its name's
    assert await _id(api, bob, "ann_lee") == own
    assert await _id(api, bob) != own  # another account, another id


async def test_the_id_is_opaque_unique_across_types_and_not_the_user_id(api: Api) -> None:
    ann = await api.register("ann")

    me = _data(await api.execute(ME_ID, token=ann.token))["me"]

    assert me["id"] != me["userID"]
    assert "ann" not in me["id"] and me["userID"] not in me["id"]
    # The Relay convention (graphql-relay, strawberry.relay): base64 of "<type>:<id>", named by its type.
    assert base64.b64decode(me["id"]).decode() == f"User:{me['userID']}"


async def test_a_directory_entrys_id_is_the_id_node_fetches(api: Api) -> None:
    await api.register("ann")
    bob = await api.register("bob")
    entry = _data(await api.execute(DIRECTORY_ID, {"query": "ann"}, token=bob.token))["users"]["edges"][0]["node"]

    found = await _node(api, bob, entry["id"])

    assert found == {"__typename": "User", "id": entry["id"], "userName": "ann", "email": None, "isAdmin": None,
                     "followersCount": 0}  # fmt: skip


# node(id:) follows user(userName:)'s rules


async def test_node_shows_private_fields_to_the_owner_and_admins_only(api: Api) -> None:
    ann = await api.register("ann", email="ann@example.com")
    bob = await api.register("bob")
    root = await api.register("root")
    await registration.grant_admin("root")
    ann_id = await _id(api, ann)

    as_owner = await _node(api, ann, ann_id)
    as_admin = await _node(api, root, ann_id)
    as_other = await _node(api, bob, ann_id)

    assert (as_owner["email"], as_owner["isAdmin"]) == ("ann@example.com", False)
    assert (as_admin["email"], as_admin["isAdmin"]) == ("ann@example.com", False)
    assert (as_other["email"], as_other["isAdmin"]) == (None, None)
    assert as_other["userName"] == "ann"


async def test_node_is_null_where_user_by_name_is_null_and_admins_still_see_hidden_accounts(api: Api) -> None:
    mallory = await api.register("mallory")
    root = await api.register("root")
    await registration.grant_admin("root")
    accounts = {name: await api.register(name) for name in ("erin", "blocker", "gone", "banned", "deleted")}
    ids = {name: await _id(api, account) for name, account in accounts.items()}
    gone, deleted = accounts["gone"], accounts["deleted"]
    assert not (await act(api, BLOCK, accounts["blocker"], "mallory")).errors
    assert not (await api.execute(DEACTIVATE, {"password": gone.password}, token=gone.token)).errors
    assert not (await api.execute(SUSPEND, {"userName": "banned"}, token=root.token)).errors
    assert not (await api.execute(DELETE, {"userName": "deleted"}, token=deleted.token)).errors

    for name, id in ids.items():
        by_name = _data(await api.execute(USER_ID, {"userName": name}, token=mallory.token))["user"]
        by_id = await _node(api, mallory, id)
        assert (by_name is None, by_id is None) == ((name != "erin",) * 2), name

    seen_by_root = {name: await _node(api, root, id) for name, id in ids.items()}
    assert {name for name, found in seen_by_root.items() if found is not None} == {"erin", "blocker", "gone", "banned"}
    # The blocker itself still sees whom it blocks, as user(userName:) shows it.
    assert (await _node(api, accounts["blocker"], await _id(api, mallory)))["userName"] == "mallory"


async def test_node_needs_a_token(api: Api) -> None:
    ann = await api.register("ann")

    result = await api.execute(NODE, {"id": await _id(api, ann)})

    assert result.code == "UNAUTHENTICATED"
    assert result.data == {"node": None}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "id",
    [
        "",
        "1",  # a userID is no global id
        "ann",
        "not base64!",
        _b64("User:"),
        _b64("User:0"),
        _b64("User:01"),
        _b64("User:-1"),
        _b64("User:1.0"),
        _b64("User: 1"),
        _b64("User:" + "9" * 19),  # over a row id's range
        _b64("Session:1"),  # no such node type
        _b64("user:1"),
        _b64("User:12").rstrip("="),  # "VXNlcjoxMg==" without its padding: one id, one spelling
        _b64("User:12") + "==",
        "VXNlcjox\n",
        "VXNlcjox" + "=" * 100,
        "ÄÖÜ",
        "\x00",
    ],
)
async def test_a_malformed_id_is_bad_user_input_on_id(api: Api, id: str) -> None:
    ann = await api.register("ann")

    result = await api.execute(NODE, {"id": id}, token=ann.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "id")
    assert result.error["path"] == ["node"]
    assert result.data == {"node": None}  # null, and the error says the request itself was wrong


async def test_a_well_formed_id_of_no_user_is_null(api: Api) -> None:
    ann = await api.register("ann")

    assert await _node(api, ann, _b64("User:987654")) is None


# nodes(ids:)


async def test_nodes_answers_in_order_with_nulls_and_repeats_in_one_query(api: Api, queries: Queries) -> None:
    ann = await api.register("ann")
    bob = await api.register("bob")
    carl = await api.register("carl")
    assert not (await act(api, BLOCK, carl, "ann")).errors
    ids = [await _id(api, bob), await _id(api, carl), _b64("User:987654"), await _id(api, ann), await _id(api, bob)]

    with queries.counting() as statements:
        found = _data(await api.execute(NODES, {"ids": ids}, token=ann.token))["nodes"]

    assert found == [
        {"id": ids[0], "userName": "bob"},
        None,  # carl blocks ann
        None,  # no such user
        {"id": ids[3], "userName": "ann"},
        {"id": ids[0], "userName": "bob"},
    ]
    assert len(statements) == 2, statements  # the caller, then every id at once


async def test_nodes_refuses_a_malformed_id_or_more_than_a_page(api: Api) -> None:
    ann = await api.register("ann")
    good = await _id(api, ann)

    malformed = await api.execute(NODES, {"ids": [good, "nope"]}, token=ann.token)
    too_many = await api.execute(NODES, {"ids": [good] * 101}, token=ann.token)
    most = await api.execute(NODES, {"ids": [good] * 100}, token=ann.token)

    assert (malformed.code, malformed.field) == ("BAD_USER_INPUT", "ids")
    assert (too_many.code, too_many.field) == ("BAD_USER_INPUT", "ids")
    assert len(_data(most)["nodes"]) == 100


async def test_nodes_is_charged_by_its_ids_in_the_query_budget(api: Api) -> None:
    ann = await api.register("ann")
    fans = "followers(first: 60) { edges { node { userName } } }"

    by_variable = await api.execute(
        f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on User {{ {fans} }} }} }}", {"ids": []}, token=ann.token
    )
    two = await api.execute(f'{{ nodes(ids: ["a", "b"]) {{ ... on User {{ {fans} }} }} }}', token=ann.token)

    # A variable may hold 100 ids: 100 pages of 60 is over the budget of 10,000, refused before it runs.
    assert (by_variable.code, by_variable.error["extensions"]["reason"]) == (
        "GRAPHQL_VALIDATION_FAILED",
        "QUERY_TOO_COMPLEX",
    )
    # Two literal ids are two pages: within the budget, so the ids themselves are what is refused.
    assert (two.code, two.field) == ("BAD_USER_INPUT", "ids")


# Query counts: the id costs nothing


async def test_the_id_costs_no_query_and_node_costs_one(api: Api, queries: Queries) -> None:
    ann = await api.register("ann")
    ann_id = await _id(api, ann)

    with queries.counting() as me_statements:
        _data(await api.execute(ME_ID, token=ann.token))
    with queries.counting() as node_statements:
        found = await _node(api, ann, ann_id)

    assert found["userName"] == "ann"
    assert len(me_statements) == 1, me_statements  # as `me` without id (test_query_counts)
    assert len(node_statements) == 2, node_statements  # the caller, then the user: as user(userName:)


# Field access that never blanks a page


ISSUE_PAGE = '{ users(query: "a", first: 5) { edges { node { userName isAdmin } } } }'


async def test_is_admin_in_a_directory_page_reads_null_for_others_and_the_page_stays(api: Api) -> None:
    ann = await api.register("ann")
    await api.register("anna")
    await api.register("admin_al")
    await registration.grant_admin("admin_al")
    al = _data(await api.login("admin_al"))["login"]["accessToken"]

    as_ann = await api.execute(ISSUE_PAGE, token=ann.token)
    as_admin = await api.execute(ISSUE_PAGE, token=al)

    assert not as_ann.errors, as_ann.body
    assert [edge["node"] for edge in as_ann.data["users"]["edges"]] == [
        {"userName": "admin_al", "isAdmin": None},
        {"userName": "ann", "isAdmin": False},  # her own
        {"userName": "anna", "isAdmin": None},
    ]
    assert not as_admin.errors, as_admin.body
    assert [edge["node"]["isAdmin"] for edge in as_admin.data["users"]["edges"]] == [True, False, False]


PRIVATE_LISTS = """
query Page($query: String!) {
  users(query: $query) { edges { node { userName isAdmin email twoFactorEnabled followers { totalCount } } } }
}"""


async def test_a_page_with_every_private_field_and_a_private_accounts_list_has_no_error(api: Api) -> None:
    bob = await api.register("bob")
    await api.register("bo_public")
    viewer = await api.register("viewer")
    made = await api.execute("mutation { updateProfile(input: {accountPrivacy: true}) { userName } }", token=bob.token)
    assert not made.errors, made.body

    page = await api.execute(PRIVATE_LISTS, {"query": "bo"}, token=viewer.token)

    assert not page.errors, page.body
    assert [edge["node"] for edge in page.data["users"]["edges"]] == [
        {"userName": "bo_public", "isAdmin": None, "email": None, "twoFactorEnabled": None,
         "followers": {"totalCount": 0}},
        {"userName": "bob", "isAdmin": None, "email": None, "twoFactorEnabled": None, "followers": None},
    ]  # fmt: skip
