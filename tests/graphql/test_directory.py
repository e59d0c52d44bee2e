"""The directory, users(query:): prefix search on names, exact userName first, pages by cursor."""

from __future__ import annotations

import asyncio

import pytest

from services.accounts import registration
from tests.support import Account, Api
from tests.support.social import BLOCK, DIRECTORY, act, connection, names


async def people(api: Api) -> Account:
    viewer = await api.register("viewer")
    await api.register("jo", firstName="Zed")
    await api.register("john_doe", firstName="John", lastName="Doe")
    await api.register("JOANNA", firstName="Anna", lastName="Smith")
    await api.register("mary", firstName="Mary", lastName="Jones")
    await api.register("pete", firstName="Peter", lastName="Johansson")
    await api.register("bjorn", firstName="Björn", lastName="Ölsen")
    await api.register("ann_ex", firstName="Ann", email="ann@example.com", phoneNumber="+16502530000")
    return viewer


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jo", ["jo", "JOANNA", "john_doe", "mary", "pete"]),  # exact userName first, then by userName
        ("JO", ["jo", "JOANNA", "john_doe", "mary", "pete"]),
        ("john d", ["john_doe"]),  # "firstName lastName"
        ("doe", ["john_doe"]),  # lastName
        ("  peter ", ["pete"]),  # firstName, trimmed
        ("ölsen", ["bjorn"]),  # any case, beyond ASCII
        ("BJÖRN Ö", ["bjorn"]),
        ("ohn", []),  # the start of a name, not the middle
        ("ann@example.com", []),  # only admins find by email
        ("zz", []),
    ],
)
async def test_the_directory_matches_the_start_of_names_in_any_case(api: Api, query: str, expected: list[str]) -> None:
    viewer = await people(api)

    assert await names(api, DIRECTORY, viewer, query=query) == expected


async def test_admins_also_find_by_exact_email_or_phone(api: Api) -> None:
    await people(api)
    root = await api.register("root")
    await registration.grant_admin("root")

    assert await names(api, DIRECTORY, root, query="ANN@example.com") == ["ann_ex"]
    assert await names(api, DIRECTORY, root, query="+1 650-253-0000") == ["ann_ex"]
    assert await names(api, DIRECTORY, root, query="ann@example") == []


async def test_directory_pages_follow_their_cursors_and_count(api: Api) -> None:
    viewer = await api.register("viewer")
    for n in range(5):
        await api.register(f"sam{n}")
    await api.register("sam")

    seen, after = [], None
    while True:
        result = await api.execute(DIRECTORY, {"query": "sam", "first": 2, "after": after}, token=viewer.token)
        page = connection(result)
        seen.append([edge["node"]["userName"] for edge in page["edges"]])
        assert page["totalCount"] == 6
        assert all(edge["followedAt"] is None for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [["sam", "sam0"], ["sam1", "sam2"], ["sam3", "sam4"]]


async def test_the_directory_leaves_out_users_who_block_the_viewer(api: Api) -> None:
    viewer = await people(api)
    john = await api.login("john_doe")
    john_account = Account(token=john.data["login"]["accessToken"], user={"userName": "john_doe"}, password="")

    await act(api, BLOCK, john_account, "viewer")

    result = await api.execute(DIRECTORY, {"query": "jo"}, token=viewer.token)
    assert [edge["node"]["userName"] for edge in connection(result)["edges"]] == ["jo", "JOANNA", "mary", "pete"]
    assert connection(result)["totalCount"] == 4


@pytest.mark.parametrize(
    ("query", "field"), [("", "query"), ("   ", "query"), ("a\u0000b", "query"), ("x" * 302, "query")]
)
async def test_a_bad_query_is_bad_input(api: Api, query: str, field: str) -> None:
    viewer = await api.register("viewer")

    result = await api.execute(DIRECTORY, {"query": query}, token=viewer.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", field)


async def test_the_directory_needs_a_token(api: Api) -> None:
    assert (await api.execute(DIRECTORY, {"query": "jo"})).code == "UNAUTHENTICATED"


async def test_renaming_moves_a_user_in_the_directory(api: Api) -> None:
    viewer = await api.register("viewer")
    ann = await api.register("ann", firstName="Ann", lastName="Lee")

    await api.update_user(ann, lastName="Kowalski")

    assert await names(api, DIRECTORY, viewer, query="ann k") == ["ann"]
    assert await names(api, DIRECTORY, viewer, query="lee") == []
    await api.execute(
        "mutation($i: UpdateUserInput!) { updateProfile(input: $i) { userName } }",
        {"i": {"name": "Zoe Quinn"}},
        token=ann.token,
    )
    assert await names(api, DIRECTORY, viewer, query="quinn") == ["ann"]
    assert await names(api, DIRECTORY, viewer, query="zoe q") == ["ann"]


async def test_racing_renames_leave_the_directory_in_step_with_the_names(api: Api) -> None:
    viewer = await api.register("viewer")
    ann = await api.register("ann", firstName="Ann", lastName="Lee")

    async def rename(barrier: asyncio.Barrier, **change: str) -> None:
        await barrier.wait()
        result = await api.update_user(ann, **change)
        assert not result.errors or result.code == "CONFLICT", result.body

    for round_ in range(20):
        barrier = asyncio.Barrier(2)
        await asyncio.gather(rename(barrier, firstName=f"First{round_}"), rename(barrier, lastName=f"Last{round_}"))
        me = (await api.me(ann.token)).data["me"]
        full = f"{me['firstName']} {me['lastName']}"
        assert await names(api, DIRECTORY, viewer, query=full) == ["ann"], full
        assert await names(api, DIRECTORY, viewer, query=me["lastName"]) == ["ann"]
