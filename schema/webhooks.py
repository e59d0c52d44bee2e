"""Webhook endpoints and deliveries as admins see them (services/webhooks/)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum

import strawberry

from models import WebhookDelivery as DeliveryModel
from models import WebhookEndpoint as EndpointModel
from schema.pagination import POSITION_MAX, PageInfo
from services.errors import InvalidInput
from services.webhooks import queue

ID_DIGITS_MAX = 19


def row_id(value: str, *, field: str) -> int:
    """The row an endpoint's or delivery's id names; BAD_USER_INPUT (``field``) for anything else."""
    digits = value.isascii() and value.isdecimal() and len(value) <= ID_DIGITS_MAX
    if digits and 1 <= int(value) <= POSITION_MAX and str(int(value)) == value:
        return int(value)
    raise InvalidInput(f"{field} is not an id this server gave out.", field=field)


@strawberry.input(
    description="A new webhook endpoint. A field that breaks a rule is BAD_USER_INPUT with extensions.field naming "
    "it; every field at fault is its own error, in this input's field order."
)
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="Where deliveries are POSTed: an https:// URL in production (http:// and loopback are allowed "
        "outside production), without user:password@; in production its host must resolve to public addresses "
        "only (or to WEBHOOK_ALLOWED_NETWORKS)."
    )
    events: list[str] = strawberry.field(
        description='The event types to deliver, at least one, e.g. ["user.created", "user.deleted"] (README, '
        "Webhooks, lists them). Events before the endpoint was created are not delivered to it."
    )
    description: str | None = strawberry.field(default=None, description="A note for admins, at most 200 characters.")


@strawberry.type(description="A receiver of webhooks: a URL and the event types it hears.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="The endpoint's id.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    events: list[str] = strawberry.field(description="The event types it hears.")
    enabled: bool = strawberry.field(
        description="Whether new events are delivered to it; a disabled endpoint gets nothing (its pending "
        "deliveries wait until it is enabled again)."
    )
    description: str | None = strawberry.field(description="The note for admins, if any.")
    created_at: datetime = strawberry.field(description="When the endpoint was created, UTC.")

    @classmethod
    def from_model(cls, endpoint: EndpointModel) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(endpoint.id)),
            url=endpoint.url,
            events=list(json.loads(endpoint.events)),
            enabled=endpoint.enabled,
            description=endpoint.description,
            created_at=endpoint.created_at,
        )


@strawberry.type(description="An endpoint with its signing secret: shown only here, once.")
class WebhookEndpointWithSecret:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(
        description="The signing secret, whsec_ and base64 (the Standard Webhooks form): give it to the receiver "
        "to verify deliveries with. It is shown only in this answer; rotateWebhookEndpointSecret makes a new one."
    )


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = strawberry.enum_value(
        queue.PENDING, description="Not delivered yet: due now, being tried, or waiting for a retry."
    )
    DELIVERED = strawberry.enum_value(queue.DELIVERED, description="The receiver answered 2xx.")
    FAILED = strawberry.enum_value(
        queue.FAILED, description="Every try failed (WEBHOOK_RETRY_SECONDS' schedule ran out); replay to try again."
    )


@strawberry.type(description="One event sent to one endpoint, with its tries.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id; replayWebhookDelivery(id:) takes it.")
    webhook_id: str = strawberry.field(
        description="The webhook-id header (msg_ and the event's id): the same on every try and replay, and for "
        "every endpoint, so a receiver can drop copies."
    )
    endpoint_id: strawberry.ID = strawberry.field(description="The id of the endpoint it goes to.")
    event_type: str = strawberry.field(description="The event's type, e.g. user.created.")
    status: WebhookDeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Tries so far (since it was created or last replayed).")
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried, UTC.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last answer; null when there was none (refused, timed out, unreachable)."
    )
    last_error: str | None = strawberry.field(
        description="Why the last try failed (the status, a timeout, a refused address); never the answer's body."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next (while a try runs: when that try's lease ends); null once delivered or "
        "failed."
    )
    delivered_at: datetime | None = strawberry.field(description="When the receiver answered 2xx, UTC.")
    created_at: datetime = strawberry.field(description="When the event was fanned out to the endpoint, UTC.")

    @classmethod
    def from_model(cls, delivery: DeliveryModel) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(delivery.id)),
            webhook_id=queue.message_id(delivery.event_id),
            endpoint_id=strawberry.ID(str(delivery.endpoint_id)),
            event_type=delivery.event.type,
            status=WebhookDeliveryStatus(delivery.status),
            attempts=delivery.attempts,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at if delivery.status == queue.PENDING else None,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


@strawberry.type(description="A delivery and where it sits in its list.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Pass as webhookDeliveries(after:) to continue after this one.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description="A page of webhook deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="The deliveries of this page, newest first.")
    page_info: PageInfo = strawberry.field(description="Where this page sits, for fetching the next one.")
