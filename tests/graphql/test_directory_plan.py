"""The directory reads indexes, not the table: each backend's own plan for the query users(query:) runs."""

from __future__ import annotations

from models import User, UserProfile
from services.people import directory, lookup
from tests.support import Api
from tests.support.plans import query_plan

# Enough rows, with statistics, that a planner prefers an index where one serves.
USERS = 3000


async def _crowd() -> None:
    first_names = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon"]
    await User.bulk_create(
        [
            User(
                user_name=f"user{n}",
                user_name_key=f"user{n}",
                password_hash="x",
                first_name=first_names[n % 10],
                last_name=f"Smith{n}",
                **directory.name_keys(first_names[n % 10], f"Smith{n}"),
            )
            for n in range(USERS)
        ],
        batch_size=500,
    )
    ids = await User.filter(password_hash="x").values_list("id", flat=True)
    await UserProfile.bulk_create([UserProfile(user_id=user_id) for user_id in ids], batch_size=500)


async def test_a_directory_page_is_answered_through_the_search_indexes(api: Api) -> None:
    viewer = await api.register("viewer")
    await _crowd()
    viewer_row = await lookup.by_id(int(viewer.user["userID"]))
    assert viewer_row is not None

    for after in (None, "user1"):
        query = directory.directory_rows(viewer_row, directory.search_query("Smith12"), after).limit(21)
        plan = await query_plan(api.backend, query, tables=["users", "user_profiles"])

        if api.backend == "sqlite":
            assert "MULTI-INDEX OR" in plan, plan
            assert "SCAN users" not in plan, plan
        elif api.backend == "postgres":
            assert "Seq Scan on users" not in plan, plan
            assert "users_last_name_key" in plan, plan
        else:
            assert "'table': 'users', 'partitions': None, 'type': 'ALL'" not in plan, plan
            assert "users_last_name_key" in plan, plan

    found = await api.execute(
        "query($q: String!) { users(query: $q, first: 100) { totalCount } }", {"q": "smith12"}, token=viewer.token
    )
    assert found.data["users"]["totalCount"] == 111  # Smith12, Smith120-129, Smith1200-1299
