"""The periodic clean-up (services.maintenance's docstring, README): accounts deactivated longer than
ACCOUNT_RESTORE_DAYS go with everything of theirs, security events older than SECURITY_EVENT_DAYS go;
nothing younger, and a second run finds nothing left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import SecurityEvent, Session, User
from services import maintenance
from settings import Settings


async def _user(name: str, deactivated_days_ago: float | None = None) -> User:
    deactivated = None if deactivated_days_ago is None else datetime.now(UTC) - timedelta(days=deactivated_days_ago)
    return await User.create(
        user_name=name,
        user_name_key=name,
        password_hash="x",
        account_deleted=deactivated is not None,
        deactivated_at=deactivated,
    )


async def test_run_once_purges_what_is_past_its_keeping_time(db: str, settings: Settings) -> None:
    now = datetime.now(UTC)
    gone = await _user("gone", settings.account_restore_days + 1)
    await _user("restorable", settings.account_restore_days - 1)
    active = await _user("active")
    await Session.create(id="a" * 32, user_id=gone.id, last_used_at=now, expires_at=now + timedelta(days=1))
    for days in (settings.security_event_days + 1, settings.security_event_days - 1):
        await SecurityEvent.create(user_id=active.id, kind="LOGIN", at=now - timedelta(days=days))

    assert await maintenance.run_once(settings) == maintenance.Purged(accounts=1, security_events=1)

    assert sorted(user.user_name for user in await User.all()) == ["active", "restorable"]
    assert not await Session.filter(id="a" * 32).exists()  # everything of the purged account went with it
    assert await SecurityEvent.filter(user_id=active.id).count() == 1
    assert await maintenance.run_once(settings) == maintenance.Purged(accounts=0, security_events=0)
