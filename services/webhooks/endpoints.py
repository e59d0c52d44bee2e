"""Webhook endpoints, as admins manage them: create (the secret shown once), list, enable or disable,
delete, rotate the secret. Every operation here is for admins only (FORBIDDEN for anyone else)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models import User, WebhookEndpoint
from models.webhook import DESCRIPTION_MAX
from services.accounts.validation import clean_text
from services.errors import AccountError, Forbidden, InvalidInput, NotFound, raise_together
from services.webhooks import addresses, signing
from services.webhooks.events import EVENT_TYPES
from settings import Settings

# The order of the fields in CreateWebhookEndpointInput, which errors are reported in.
CREATE_ORDER = ("url", "events", "description")
EVENTS_MAX = len(EVENT_TYPES)
PREVIOUS_SECRET_HOURS = 24  # after a rotation the old secret signs too, so receivers can switch without a gap


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its secret in clear text: the one answer that shows it (create, rotate)."""

    endpoint: WebhookEndpoint
    secret: str


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins may manage webhooks.")


def subscribed_types(endpoint: WebhookEndpoint) -> list[str]:
    return list(json.loads(endpoint.events))


async def create(
    *, actor: User, url: object, events: Sequence[object], description: object | None, settings: Settings
) -> WithSecret:
    """A new endpoint, enabled, hearing ``events`` from now on (not the events before it)."""
    require_admin(actor)
    errors: list[AccountError] = []
    checked_url = ""
    try:
        checked_url = addresses.check_url(str(url), settings)
        await addresses.check_addresses(checked_url, settings)
    except addresses.Refused as refused:
        errors.append(InvalidInput(str(refused), field="url"))
    types: list[str] = []
    try:
        types = _event_types(events)
    except InvalidInput as error:
        errors.append(error)
    text: str | None = None
    try:
        if description is not None:
            text = clean_text(description, field="description", max_length=DESCRIPTION_MAX) or None
    except InvalidInput as error:
        errors.append(error)
    raise_together(errors, order=CREATE_ORDER)
    secret = signing.new_secret()
    endpoint = await WebhookEndpoint.create(
        url=checked_url,
        events=json.dumps(types),
        secret=signing.encrypt(secret, settings),
        enabled=True,
        description=text,
        created_at=_now(),
    )
    return WithSecret(endpoint, secret)


def _event_types(events: Sequence[object]) -> list[str]:
    if not events:
        raise InvalidInput("events must name at least one event type.", field="events")
    unknown = [str(e) for e in events if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"events: unknown event type(s) {', '.join(repr(u[:40]) for u in unknown[:5])}; "
            f"known: {', '.join(EVENT_TYPES)}.",
            field="events",
        )
    return sorted(set(map(str, events)), key=EVENT_TYPES.index)


async def listed(*, actor: User) -> list[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    require_admin(actor)
    return await WebhookEndpoint.all().order_by("id")


async def find(endpoint_id: int) -> WebhookEndpoint:
    endpoint = await WebhookEndpoint.filter(id=endpoint_id).first()
    if endpoint is None:
        raise NotFound("No webhook endpoint has this id.", field="id")
    return endpoint


async def set_enabled(*, actor: User, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Turn an endpoint on or off: a disabled endpoint gets no new event (its pending deliveries wait)."""
    require_admin(actor)
    endpoint = await find(endpoint_id)
    await WebhookEndpoint.filter(id=endpoint.id).update(enabled=enabled)
    endpoint.enabled = enabled
    return endpoint


async def delete(*, actor: User, endpoint_id: int) -> None:
    """Delete an endpoint and its deliveries, sent or not."""
    require_admin(actor)
    endpoint = await find(endpoint_id)
    await endpoint.delete()


async def rotate_secret(*, actor: User, endpoint_id: int, settings: Settings) -> WithSecret:
    """A new secret for the endpoint; the old one still signs too (a second signature) for 24 hours."""
    require_admin(actor)
    endpoint = await find(endpoint_id)
    secret = signing.new_secret()
    update = {
        "secret": signing.encrypt(secret, settings),
        "previous_secret": endpoint.secret,
        "previous_secret_until": _now() + timedelta(hours=PREVIOUS_SECRET_HOURS),
    }
    await WebhookEndpoint.filter(id=endpoint.id).update(**update)
    endpoint.update_from_dict(update)
    return WithSecret(endpoint, secret)


def signing_secrets(endpoint: WebhookEndpoint, settings: Settings) -> list[str]:
    """The secrets a delivery to ``endpoint`` is signed with now: the current one, and the previous one
    for a day after a rotation."""
    found = [signing.decrypt(endpoint.secret, settings)]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > _now():
        found.append(signing.decrypt(endpoint.previous_secret, settings))
    return found


def _now() -> datetime:
    return datetime.now(UTC)


async def check_configured(*, settings: Settings) -> None:
    """Start-up in production: refuse to run without TOTP_ENCRYPTION_KEY once a webhook endpoint exists (its
    deliveries could not be signed)."""
    if not settings.totp_encryption_key and await WebhookEndpoint.all().exists():
        settings.totp_keys()  # raises SettingsError saying how to make a key
