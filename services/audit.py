"""The one audit trail: every security-relevant event is one ``record`` call, which writes the ``app.security``
log line (for operators: who, from where, what; never a password or token) and, for an event of a known
account, the row of its own history (services.security_events, listed by ``securityEvents``).

An event with a ``Kind`` writes both; its log line is named after the kind (``login_failed``) unless ``event``
names it otherwise (a password reset is ``password_reset`` in the log, PASSWORD_CHANGED in the history).
An event that is no account's history (a failed login for a name no one holds, a throttled address, an
unknown address asking for a reset; an account's creation and deletion, LOG_ONLY) is named by a string, or
has no ``user_id``: the log line only.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from models import SecurityEvent
from services.client import Client
from services.security_events import Kind

log = logging.getLogger("app.security")

# The events of an account that are log lines only: its creation (the start of its history, not an entry of
# it) and its deletion (the history goes with the account).
REGISTERED, ACCOUNT_DELETED = "registered", "account_deleted"
LOG_ONLY = frozenset({REGISTERED, ACCOUNT_DELETED})


async def record(
    kind: Kind | str,
    *,
    user_id: int | None,
    client: Client,
    event: str | None = None,
    **details: object,
) -> None:
    """Log the event (with ``client``'s address), and store it in ``user_id``'s history when it is of a
    ``Kind`` (with the client's address and user agent)."""
    name = event or (kind.value.lower() if isinstance(kind, Kind) else kind)
    fields = {"event": name, "user_id": user_id, "address": client.address, **details}
    log.info(" ".join(f"{key}={value}" for key, value in fields.items()), extra={"security": fields})
    if isinstance(kind, Kind) and user_id is not None:
        await _store(kind, user_id=user_id, client=client)


async def _store(kind: Kind, *, user_id: int, client: Client) -> None:
    """One row; nothing when the user was deleted meanwhile (its history went with it)."""
    with suppress(IntegrityError):  # the foreign key: the user row is gone
        await SecurityEvent.create(
            user_id=user_id,
            kind=kind.value,
            at=datetime.now(UTC),
            ip_address=client.ip_address,
            user_agent=client.agent,
        )
