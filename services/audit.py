"""Security events as one structured line each: who, from where, what. Never a password or token."""

from __future__ import annotations

import logging

log = logging.getLogger("app.security")


def security_event(event: str, *, user_id: int | None, address: str, **details: object) -> None:
    fields = {"event": event, "user_id": user_id, "address": address, **details}
    log.info(" ".join(f"{key}={value}" for key, value in fields.items()), extra={"security": fields})
