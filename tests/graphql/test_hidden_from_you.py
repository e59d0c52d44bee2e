"""What a blocked caller, or anyone, learns of an account hidden from them: nothing an unknown name would not say.

Hidden from a caller: a user who blocks the caller, and an account deactivated by its owner or suspended by
an admin. updateUser and deleteUser answer NOT_FOUND for such a name exactly as for a name no one holds;
FORBIDDEN only for a user the caller sees but may not change. Counts: followersCount and followingCount are
the user's own (what its owner sees: hidden accounts left out), the same for every viewer; a list and its
totalCount are what the viewer sees (also without the users who block the viewer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models import User
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import DELETE_USER, UPDATE_USER, Account, Api, Result
from tests.support.social import BLOCK, FOLLOWERS, act, connection, counts, follow

DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SUSPEND = """
mutation Suspend($userName: String!, $reason: String!) {
  suspendUser(userName: $userName, reason: $reason) { userName }
}"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        app_env="test", data_dir=tmp_path, jwt_secret=TEST_SECRET, bcrypt_rounds=4, rate_limit_enabled=False
    )


def _refusal(result: Result, name: str) -> dict[str, Any]:
    """The error as the caller sees it, with the name it sent taken out."""
    assert result.data is None, result.body
    error = result.error
    return {"message": error["message"].replace(name, "NAME"), "extensions": error["extensions"]}


async def _hidden_people(api: Api) -> tuple[Account, Account]:
    """mallory, a visible erin, and three names hidden from mallory: a blocker, a deactivated, a suspended."""
    mallory = await api.register("mallory")
    await api.register("erin")
    blocker = await api.register("blocker")
    assert not (await act(api, BLOCK, blocker, "mallory")).errors
    gone = await api.register("gone")
    assert not (await api.execute(DEACTIVATE, {"password": gone.password}, token=gone.token)).errors
    await api.register("banned")
    root = await api.register("root")
    await User.filter(user_name_key="root").update(is_admin=True)  # as `python main.py create-admin` does
    suspended = await api.execute(SUSPEND, {"userName": "banned", "reason": "spam"}, token=root.token)
    assert not suspended.errors, suspended.body
    return mallory, root


@pytest.mark.parametrize("document", [UPDATE_USER, DELETE_USER], ids=["updateUser", "deleteUser"])
async def test_a_hidden_account_answers_as_an_unknown_name(api: Api, document: str) -> None:
    mallory, root = await _hidden_people(api)

    def variables(name: str) -> dict[str, Any]:
        return {"userName": name, "input": {}} if document is UPDATE_USER else {"userName": name}

    answers = {
        name: _refusal(await api.execute(document, variables(name), token=mallory.token), name)
        for name in ("nobody", "blocker", "gone", "banned")
    }
    visible = await api.execute(document, variables("erin"), token=mallory.token)

    assert answers["nobody"]["extensions"] == {"code": "NOT_FOUND", "field": "userName"}
    assert answers == dict.fromkeys(answers, answers["nobody"])  # the same words for all four
    assert visible.code == "FORBIDDEN"  # seen, but not mallory's to change
    if document is UPDATE_USER:  # admins still manage every account
        for name in ("blocker", "gone", "banned"):
            assert not (await api.execute(document, variables(name), token=root.token)).errors


async def test_counts_are_the_owners_and_lists_the_viewers(api: Api) -> None:
    alice, viewer = await api.register("alice"), await api.register("viewer")
    fans = {name: await api.register(name) for name in ("fan", "blocker", "gone")}
    for fan in fans.values():
        await follow(api, fan, "alice")
    await act(api, BLOCK, fans["blocker"], "viewer")
    await api.execute(DEACTIVATE, {"password": fans["gone"].password}, token=fans["gone"].token)

    async def seen_by(account: Account) -> tuple[int, int, list[str]]:
        page = connection(await api.execute(FOLLOWERS, {"userName": "alice", "first": 10}, token=account.token))
        followers, _ = await counts(api, account, "alice")
        return followers, page["totalCount"], [edge["node"]["userName"] for edge in page["edges"]]

    # The deactivated follower is out of the count and of every list; the one who blocks viewer is out of
    # viewer's list and its totalCount only: the count is alice's own, the same for everyone.
    assert await seen_by(alice) == (2, 2, ["blocker", "fan"])
    assert await seen_by(viewer) == (2, 1, ["fan"])
