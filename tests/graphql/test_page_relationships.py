"""viewerRelationship on the entries of a list: read with the page, and true to every change a document makes.

A page reads the viewer's relation to all its entries at once (schema.social.prefetch_relationships). What a
user sees must not depend on how the document asks for the field (directly, in a fragment, in an inline
fragment), on whether the viewer is on the page, or on mutations earlier in the same document.
"""

from __future__ import annotations

from typing import Any

from models import User
from tests.support import Account, Api
from tests.support.social import BLOCK, FOLLOW, act

RELATION = "viewerRelationship { following followedBy requested requestedBy blocking }"
NONE = {"following": False, "followedBy": False, "requested": False, "requestedBy": False, "blocking": False}

DIRECT = f"""
query($userName: String!) {{ user(userName: $userName) {{ followers(first: 10) {{ edges {{ node {{
  userName {RELATION} }} }} }} }} }}"""
NAMED_FRAGMENT = f"""
query($userName: String!) {{ user(userName: $userName) {{ followers(first: 10) {{ ...Page }} }} }}
fragment Page on UserConnection {{ edges {{ node {{ userName ...Relation }} }} }}
fragment Relation on User {{ {RELATION} }}"""
INLINE_FRAGMENT = f"""
query($userName: String!) {{ user(userName: $userName) {{ followers(first: 10) {{ edges {{ node {{
  userName ... on User {{ {RELATION} }} }} }} }} }} }}"""
DIRECTORY = f"query($query: String!) {{ users(query: $query) {{ edges {{ node {{ userName {RELATION} }} }} }} }}"


def relations(result: Any, *path: str) -> dict[str, Any]:
    assert not result.errors, result.body
    page = result.data
    for key in path:
        page = page[key]
    return {edge["node"]["userName"]: edge["node"]["viewerRelationship"] for edge in page["edges"]}


async def crowd(api: Api) -> dict[str, Account]:
    """star's followers: ann (whom the viewer, vic, follows), bob (who follows vic), cat (whom vic blocks)
    and vic itself."""
    people = {name: await api.register(name) for name in ("star", "ann", "bob", "cat", "vic")}
    for name in ("ann", "bob", "cat", "vic"):
        assert not (await act(api, FOLLOW, people[name], "star")).errors
    assert not (await act(api, FOLLOW, people["vic"], "ann")).errors
    assert not (await act(api, FOLLOW, people["bob"], "vic")).errors
    assert not (await act(api, BLOCK, people["vic"], "cat")).errors
    return people


EXPECTED = {
    "ann": {**NONE, "following": True},
    "bob": {**NONE, "followedBy": True},
    "cat": {**NONE, "blocking": True},
    "vic": None,  # the viewer has no relationship to itself
}


async def test_a_followers_page_shows_each_entrys_relation_to_the_viewer_however_it_is_asked(api: Api) -> None:
    people = await crowd(api)

    for document in (DIRECT, NAMED_FRAGMENT, INLINE_FRAGMENT):
        result = await api.execute(document, {"userName": "star"}, token=people["vic"].token)
        assert relations(result, "user", "followers") == EXPECTED, document


async def test_the_directory_shows_each_entrys_relation_to_the_viewer(api: Api) -> None:
    people = await crowd(api)
    await api.register("anna")

    result = await api.execute(DIRECTORY, {"query": "an"}, token=people["vic"].token)

    assert relations(result, "users") == {"ann": {**NONE, "following": True}, "anna": NONE}


async def test_each_mutation_of_a_document_sees_what_the_ones_before_it_changed(api: Api) -> None:
    people = await crowd(api)
    document = f"""mutation {{
      first: follow(userName: "bob") {{ user {{ {RELATION} }} }}
      second: unfollow(userName: "bob") {{ {RELATION} }}
      third: follow(userName: "bob") {{ user {{ {RELATION} }} }}
      fourth: block(userName: "bob") {{ {RELATION} }}
    }}"""

    result = await api.execute(document, token=people["vic"].token)

    assert not result.errors, result.body
    assert result.data["first"]["user"]["viewerRelationship"] == {**NONE, "following": True, "followedBy": True}
    assert result.data["second"]["viewerRelationship"] == {**NONE, "followedBy": True}
    assert result.data["third"]["user"]["viewerRelationship"] == {**NONE, "following": True, "followedBy": True}
    assert result.data["fourth"]["viewerRelationship"] == {**NONE, "blocking": True}  # a block ends both follows


async def test_a_list_read_before_a_mutation_is_read_again_after_it(api: Api) -> None:
    people = await crowd(api)
    page = f"followers(first: 10) {{ edges {{ node {{ userName {RELATION} }} }} }}"
    star_followers = f'follow(userName: "star") {{ user {{ {page} }} }}'
    document = f"""mutation {{
      before: {star_followers}
      change: unfollow(userName: "ann") {{ userName }}
      after: {star_followers}
    }}"""

    result = await api.execute(document, token=people["vic"].token)

    assert relations(result, "before", "user", "followers")["ann"] == {**NONE, "following": True}
    assert relations(result, "after", "user", "followers")["ann"] == NONE


async def test_a_list_read_before_a_suspension_is_read_again_after_it(api: Api) -> None:
    """Every mutation, not only the social ones, starts from fresh reads: here an admin's lifecycle mutations."""
    people = await crowd(api)
    await User.filter(user_name_key="vic").update(is_admin=True)  # as `python main.py create-admin` does
    page = "followers(first: 10) { totalCount edges { node { userName } } }"
    star = f'unsuspendUser(userName: "star") {{ followersCount {page} }}'
    document = f"""mutation {{
      before: {star}
      suspend: suspendUser(userName: "ann", reason: "spam") {{ userName }}
      suspended: {star}
      lift: unsuspendUser(userName: "ann") {{ userName }}
      lifted: {star}
    }}"""

    result = await api.execute(document, token=people["vic"].token)

    assert not result.errors, result.body

    def seen(alias: str) -> tuple[int, int, list[str]]:
        user = result.data[alias]
        page = user["followers"]
        return user["followersCount"], page["totalCount"], [edge["node"]["userName"] for edge in page["edges"]]

    assert seen("before") == (4, 4, ["vic", "cat", "bob", "ann"])
    assert seen("suspended") == (3, 3, ["vic", "cat", "bob"])  # a suspended follower leaves lists and counts
    assert seen("lifted") == seen("before")
