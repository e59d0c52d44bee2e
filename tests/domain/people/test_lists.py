"""services.people.lists (README, People): followers, following, requests and blocked users, newest first, in
pages with cursors that stay valid while entries come and go, totals as the viewer sees them."""

from __future__ import annotations

from models import Block, User
from services.people import blocks, follows, lists
from tests.domain.people.support import MakeUser, hide


def names(page: lists.Page) -> list[str]:
    return [entry.user.user_name for entry in page.entries]


async def test_a_list_pages_newest_first_and_a_cursor_survives_changes_around_it(make_user: MakeUser) -> None:
    owner = await make_user("owner")
    fans = [await make_user(f"fan{n}") for n in range(5)]
    for fan in fans:
        await follows.follow(actor=fan, user_name="owner")

    first = await lists.follow_page("followers", viewer_id=owner.id, owner_id=owner.id, first=2, after=None)
    assert (names(first), first.has_next) == (["fan4", "fan3"], True)
    assert all(entry.since is not None for entry in first.entries)
    cursor = int(first.entries[-1].position)

    await follows.unfollow(actor=fans[3], user_name="owner")  # the cursor's own entry goes
    await follows.follow(actor=await make_user("late"), user_name="owner")  # a new one comes, before the cursor
    second = await lists.follow_page("followers", viewer_id=owner.id, owner_id=owner.id, first=2, after=cursor)
    assert (names(second), second.has_next) == (["fan2", "fan1"], True)
    last = await lists.follow_page(
        "followers", viewer_id=owner.id, owner_id=owner.id, first=2, after=int(second.entries[-1].position)
    )
    assert (names(last), last.has_next) == (["fan0"], False)
    following = await lists.follow_page("following", viewer_id=owner.id, owner_id=fans[0].id, first=5, after=None)
    assert names(following) == ["owner"]


async def test_a_list_and_its_total_leave_out_hidden_users_and_those_who_block_the_viewer(
    make_user: MakeUser,
) -> None:
    owner = await make_user("owner")
    viewer = await make_user("viewer")
    fans = {name: await make_user(name) for name in ("shown", "blocker", "gone")}
    for name in fans:
        await follows.follow(actor=fans[name], user_name="owner")
    await Block.create(blocker_id=fans["blocker"].id, blocked_id=viewer.id)
    await hide(fans["gone"])

    for viewer_id, expected in ((viewer.id, ["shown"]), (owner.id, ["blocker", "shown"])):
        page = await lists.follow_page("followers", viewer_id=viewer_id, owner_id=owner.id, first=10, after=None)
        assert names(page) == expected
        totals = await lists.count_follow_lists("followers", viewer_id=viewer_id, owner_ids=[owner.id])
        assert totals == {owner.id: len(expected)}
    assert (await User.get(id=owner.id)).followers_count == 2  # the same for every viewer


async def test_several_owners_lists_at_once_each_get_their_own_page(make_user: MakeUser) -> None:
    ann = await make_user("ann")
    bob = await make_user("bob")
    nobody = await make_user("nobody")
    fans = [await make_user(f"fan{n}") for n in range(3)]
    for fan in fans:
        await follows.follow(actor=fan, user_name="ann")
    await follows.follow(actor=fans[0], user_name="bob")
    owners = [ann.id, bob.id, nobody.id]

    pages = await lists.follow_lists("followers", viewer_id=ann.id, owner_ids=owners, first=2, after=None)

    assert {owner: (names(page), page.has_next) for owner, page in pages.items()} == {
        ann.id: (["fan2", "fan1"], True),
        bob.id: (["fan0"], False),
        nobody.id: ([], False),
    }
    following = await lists.follow_lists("following", viewer_id=ann.id, owner_ids=[fans[0].id], first=5, after=None)
    assert names(following[fans[0].id]) == ["bob", "ann"]
    cursor = int(pages[ann.id].entries[-1].position)
    rest = await lists.follow_lists("followers", viewer_id=ann.id, owner_ids=owners, first=2, after=cursor)
    assert names(rest[ann.id]) == ["fan0"]
    totals = await lists.count_follow_lists("followers", viewer_id=ann.id, owner_ids=owners)
    assert totals == {ann.id: 3, bob.id: 1, nobody.id: 0}


async def test_requests_list_the_pending_askers_only(make_user: MakeUser) -> None:
    owner = await make_user("owner", private=True)
    for name in ("asker", "approved"):
        await follows.follow(actor=await make_user(name), user_name="owner")
    await follows.approve_request(actor=owner, user_name="approved")

    page = await lists.follow_page("requests", viewer_id=owner.id, owner_id=owner.id, first=10, after=None)

    assert names(page) == ["asker"]
    assert await lists.count_follow_lists("requests", viewer_id=owner.id, owner_ids=[owner.id]) == {owner.id: 1}


async def test_the_blocked_list_pages_newest_block_first_including_those_who_block_back(make_user: MakeUser) -> None:
    viewer = await make_user("viewer")
    for name in ("first", "second", "third"):
        await make_user(name)
        await blocks.block(actor=viewer, user_name=name)
    third = await User.get(user_name="third")
    await blocks.block(actor=third, user_name="viewer")  # still listed, to be unblocked
    await hide(await User.get(user_name="first"))

    page = await lists.blocked_page(viewer_id=viewer.id, first=1, after=None)
    assert (names(page), page.has_next) == (["third"], True)
    rest = await lists.blocked_page(viewer_id=viewer.id, first=5, after=int(page.entries[0].position))
    assert (names(rest), rest.has_next) == (["second"], False)
    assert await lists.count_blocked(viewer_id=viewer.id) == 2
