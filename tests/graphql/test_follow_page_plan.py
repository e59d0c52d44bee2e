"""A page of a followers list is read through the owner's list index, newest first, without sorting the list.

A user with a million followers must cost what a user with twenty does: among everyone's follows, the plan
reads the page's rows from ``follows_followee_list`` (followee, accepted, id), and never scans the table or
sorts the whole list.
"""

from __future__ import annotations

from models import Follow, User, UserProfile
from services.people import directory, lists
from tests.support import Api
from tests.support.plans import query_plan

FANS = 3000
STAR_SHARE = 10


async def _star_with_fans() -> tuple[int, int]:
    await User.bulk_create(
        [
            User(user_name=f"Fan{n}", user_name_key=f"fan{n}", email=f"fan{n}@example.com",
                 email_key=f"fan{n}@example.com", password_hash="x", **directory.name_keys("", ""))
            for n in range(FANS + 2)
        ],
        batch_size=500,
    )  # fmt: skip
    ids = sorted(await User.filter(password_hash="x").values_list("id", flat=True))
    await UserProfile.bulk_create([UserProfile(user_id=user_id) for user_id in ids], batch_size=500)
    star, viewer = ids[0], ids[1]
    people = ids[2:]
    fans = people[::STAR_SHARE]  # one user in ten follows the star; everyone follows four others
    others = [(a, people[(n + k) % len(people)]) for n, a in enumerate(people) for k in range(1, 5)]
    await Follow.bulk_create(
        [Follow(follower_id=fan, followee_id=star, accepted=True) for fan in fans]
        + [Follow(follower_id=a, followee_id=b, accepted=True) for a, b in others],
        batch_size=1000,
    )
    return star, viewer


async def test_a_followers_page_reads_only_its_rows_from_the_list_index(api: Api) -> None:
    star, viewer = await _star_with_fans()

    for after in (None, 10**9):
        query = lists.follow_page_rows("followers", viewer_id=viewer, owner_id=star, limit=21, after=after)
        plan = await query_plan(api.backend, query, tables=["follows", "users", "user_profiles", "blocks"])

        assert "follows_followee_list" in plan, plan
        if api.backend == "sqlite":
            assert "TEMP B-TREE" not in plan, plan  # no sort of the list
            assert "SCAN follows" not in plan, plan
        elif api.backend == "postgres":
            assert "Sort" not in plan, plan
            assert "Seq Scan on follows" not in plan, plan
        else:
            assert "filesort" not in plan, plan
