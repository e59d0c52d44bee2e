"""services.people.directory (README, People): ``users(query:)`` finds names that start with the query, in any
case, over userName, first name, last name and "first last", the exact userName first, then by userName;
admins also by exact email or phone number; the viewer's visibility rule applies."""

from __future__ import annotations

import pytest

from models import Block
from services.errors import InvalidInput
from services.people import directory
from services.people.lists import Page
from tests.domain.people.support import MakeUser, hide


def names(page: Page) -> list[str]:
    return [entry.user.user_name for entry in page.entries]


async def test_a_prefix_of_any_name_finds_the_user_in_any_case_exact_userName_first(make_user: MakeUser) -> None:
    viewer = await make_user("viewer")
    await make_user("zed", first_name="Ann", last_name="Lee")
    await make_user("bob", first_name="Xavier", last_name="Annand")
    await make_user("annabel")
    await make_user("Ann")
    await make_user("carl", first_name="Carl", last_name="Lee")

    page = await directory.search(viewer=viewer, query="  ANN ", first=10, after=None)

    assert names(page) == ["Ann", "annabel", "bob", "zed"]
    assert names(await directory.search(viewer=viewer, query="ann l", first=10, after=None)) == ["zed"]
    assert names(await directory.search(viewer=viewer, query="lee", first=10, after=None)) == ["carl", "zed"]
    assert await directory.count_search(viewer=viewer, query="ann") == 4


async def test_pages_follow_the_cursor_after_the_exact_match(make_user: MakeUser) -> None:
    viewer = await make_user("viewer")
    for name in ("ann", "ann_c", "ann_a", "ann_b"):
        await make_user(name)

    first = await directory.search(viewer=viewer, query="ann", first=2, after=None)
    assert (names(first), first.has_next) == (["ann", "ann_a"], True)
    assert [entry.position for entry in first.entries] == ["", "ann_a"]
    second = await directory.search(viewer=viewer, query="ann", first=2, after=str(first.entries[-1].position))
    assert (names(second), second.has_next) == (["ann_b", "ann_c"], False)
    after_exact = await directory.search(viewer=viewer, query="ann", first=1, after="")
    assert names(after_exact) == ["ann_a"]  # the exact match is not shown again


async def test_the_directory_leaves_out_hidden_users_and_blockers_and_admins_find_by_email(
    make_user: MakeUser,
) -> None:
    viewer = await make_user("viewer")
    admin = await make_user("root", admin=True)
    await make_user("ann_shown", email="shown@example.com")
    await Block.create(blocker_id=(await make_user("ann_blocker")).id, blocked_id=viewer.id)
    await hide(await make_user("ann_gone"))

    assert names(await directory.search(viewer=viewer, query="ann", first=10, after=None)) == ["ann_shown"]
    assert names(await directory.search(viewer=viewer, query="shown@example.com", first=10, after=None)) == []
    by_email = await directory.search(viewer=admin, query="SHOWN@example.com", first=10, after=None)
    assert names(by_email) == ["ann_shown"]
    assert await directory.count_search(viewer=admin, query="shown@example.com") == 1


async def test_an_empty_query_is_bad_input_and_an_overlong_one_finds_no_one(make_user: MakeUser) -> None:
    viewer = await make_user("viewer")

    with pytest.raises(InvalidInput) as error:
        await directory.search(viewer=viewer, query="   ", first=10, after=None)
    assert error.value.field == "query"
    longest = "v" * directory.QUERY_MAX
    assert names(await directory.search(viewer=viewer, query=longest, first=10, after=None)) == []
    with pytest.raises(InvalidInput):
        await directory.search(viewer=viewer, query=longest + "v", first=10, after=None)


def test_name_keys_are_the_case_folded_last_and_full_names() -> None:
    assert directory.name_keys("Ann", "LEE") == {"last_name_key": "lee", "full_name_key": "ann lee"}
    assert directory.name_keys("", "Lee") == {"last_name_key": "lee", "full_name_key": "lee"}
    assert directory.name_keys("Ann", "") == {"last_name_key": "", "full_name_key": "ann"}
