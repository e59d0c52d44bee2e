"""A user's security history (services.security_events, README Security): pages newest first, only the user's
own events, and events older than SECURITY_EVENT_DAYS pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import SecurityEvent, User
from services import audit, security_events
from services.client import Client
from services.security_events import Kind

KINDS = [Kind.LOGIN, Kind.LOGIN_FAILED, Kind.LOGOUT, Kind.PASSWORD_CHANGED, Kind.SESSION_REVOKED]


async def _user(name: str) -> User:
    return await User.create(user_name=name, user_name_key=name, password_hash="x")


async def test_pages_list_the_users_own_events_newest_first(db: str) -> None:
    ann, bob = await _user("ann"), await _user("bob")
    for kind in KINDS:
        await audit.record(kind, user_id=ann.id, client=Client("192.0.2.1"))
        await audit.record(Kind.LOGIN, user_id=bob.id, client=Client("192.0.2.2"))

    seen: list[str] = []
    after, more = None, True
    while more:
        page = await security_events.page(user_id=ann.id, first=2, after=after)
        assert 1 <= len(page.events) <= 2
        seen += [event.kind for event in page.events]
        after, more = page.events[-1].id, page.has_next

    assert seen == [kind.value for kind in reversed(KINDS)]


async def test_a_user_without_events_has_an_empty_last_page(db: str) -> None:
    ann = await _user("ann")

    page = await security_events.page(user_id=ann.id, first=10, after=None)

    assert (page.events, page.has_next) == ([], False)


async def test_prune_deletes_only_events_older_than_the_keeping_time(db: str) -> None:
    ann = await _user("ann")
    now = datetime.now(UTC)
    for age in (0, 29, 31, 400):
        await SecurityEvent.create(user_id=ann.id, kind="LOGIN", at=now - timedelta(days=age))

    assert await security_events.prune(keep_days=30, now=now) == 2
    assert await security_events.prune(keep_days=30, now=now) == 0

    assert await SecurityEvent.all().count() == 2
    assert await security_events.prune(keep_days=30, now=now + timedelta(days=365)) == 2
