"""Webhooks, for admins: endpoints (create, list, enable or disable, delete, rotate the secret) and their
deliveries (list, replay)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.pagination import FIRST_DEFAULT, After, First, PageInfo, check_first, decode_cursor, encode_cursor
from schema.webhooks import (
    CreateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointWithSecret,
    row_id,
)
from services.errors import NotFound
from services.webhooks import endpoints, queue

DELIVERIES = "webhookDeliveries"  # the cursor kind of this list
ADMIN_ERRORS = "UNAUTHENTICATED (no, malformed, expired or revoked token), FORBIDDEN (not an admin)"
BY_ID_ERRORS = (
    f"Errors, checked in this order: {ADMIN_ERRORS}, BAD_USER_INPUT (not an id; extensions.field is id), "
    "NOT_FOUND (no such endpoint; extensions.field is id)."
)

EndpointId = Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")]


def _with_secret(found: endpoints.WithSecret) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret(endpoint=WebhookEndpoint.from_model(found.endpoint), secret=found.secret)


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        permission_classes=Auth,
        description=f"Every webhook endpoint, oldest first (admins only). Errors: {ADMIN_ERRORS}.",
    )
    async def webhook_endpoints(self, info: Info[Context, Any]) -> list[WebhookEndpoint]:
        found = await endpoints.listed(actor=await info.context.require_user())
        return [WebhookEndpoint.from_model(endpoint) for endpoint in found]

    @strawberry.field(
        permission_classes=Auth,
        description="Webhook deliveries, newest first, with their last status (admins only): of one endpoint "
        f"and in one status when given. Errors, checked in this order: {ADMIN_ERRORS}, BAD_USER_INPUT (endpointId "
        "not an id, first out of range, or after not a cursor of this list; extensions.field names it).",
    )
    async def webhook_deliveries(
        self,
        info: Info[Context, Any],
        endpoint_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this endpoint's deliveries.")
        ] = None,
        status: Annotated[
            WebhookDeliveryStatus | None, strawberry.argument(description="Only deliveries in this status.")
        ] = None,
        first: First = FIRST_DEFAULT,
        after: After = None,
    ) -> WebhookDeliveryConnection:
        endpoints.require_admin(await info.context.require_user())
        endpoint = None if endpoint_id is None else row_id(str(endpoint_id), field="endpointId")
        position = decode_cursor(after, DELIVERIES, int)
        found = await queue.page(
            endpoint_id=endpoint,
            status=None if status is None else status.name.lower(),
            first=check_first(first),
            after=position,
        )
        edges = [
            WebhookDeliveryEdge(cursor=encode_cursor(DELIVERIES, row.id), node=WebhookDelivery.from_model(row))
            for row in found.deliveries
        ]
        page_info = PageInfo.of([edge.cursor for edge in edges], has_next=found.has_next, after=after)
        return WebhookDeliveryConnection(edges=edges, page_info=page_info)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Create a webhook endpoint (admins only): it is enabled and hears the given event types from now "
        "on. The answer holds its signing secret, shown only this once. Errors, checked in this order: "
        f"{ADMIN_ERRORS}, BAD_USER_INPUT (a URL that is not allowed, an unknown event type, an over-long "
        "description; extensions.field is url, events or description, every field at fault its own error).",
    )
    async def create_webhook_endpoint(
        self,
        info: Info[Context, Any],
        input: Annotated[CreateWebhookEndpointInput, strawberry.argument(description="The endpoint's fields.")],
    ) -> WebhookEndpointWithSecret:
        context = info.context
        found = await endpoints.create(
            actor=await context.require_user(),
            url=input.url,
            events=input.events,
            description=input.description,
            settings=context.settings,
        )
        return _with_secret(found)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Enable or disable a webhook endpoint (admins only): a disabled endpoint gets no delivery; "
        f"events while it is disabled are not delivered to it. {BY_ID_ERRORS}",
    )
    async def set_webhook_endpoint_enabled(
        self,
        info: Info[Context, Any],
        id: EndpointId,
        enabled: Annotated[bool, strawberry.argument(description="true to enable, false to disable.")],
    ) -> WebhookEndpoint:
        actor = await info.context.require_user()
        endpoints.require_admin(actor)
        endpoint = await endpoints.set_enabled(actor=actor, endpoint_id=row_id(str(id), field="id"), enabled=enabled)
        return WebhookEndpoint.from_model(endpoint)

    @strawberry.mutation(
        permission_classes=Auth,
        description=f"Delete a webhook endpoint and its deliveries (admins only); true once done. {BY_ID_ERRORS}",
    )
    async def delete_webhook_endpoint(self, info: Info[Context, Any], id: EndpointId) -> bool:
        actor = await info.context.require_user()
        endpoints.require_admin(actor)
        await endpoints.delete(actor=actor, endpoint_id=row_id(str(id), field="id"))
        return True

    @strawberry.mutation(
        permission_classes=Auth,
        description="A new signing secret for a webhook endpoint (admins only), shown only in this answer. For 24 "
        "hours deliveries carry a signature with the old secret too, so the receiver can switch without losing "
        f"any. {BY_ID_ERRORS}",
    )
    async def rotate_webhook_endpoint_secret(
        self, info: Info[Context, Any], id: EndpointId
    ) -> WebhookEndpointWithSecret:
        actor = await info.context.require_user()
        endpoints.require_admin(actor)
        found = await endpoints.rotate_secret(
            actor=actor, endpoint_id=row_id(str(id), field="id"), settings=info.context.settings
        )
        return _with_secret(found)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Deliver a webhook again (admins only), now, with the same webhook-id and a fresh count of "
        "tries: a failed one, or a delivered one the receiver lost. Errors, checked in this order: "
        f"{ADMIN_ERRORS}, BAD_USER_INPUT (not an id; extensions.field is id), NOT_FOUND (no such delivery; "
        "extensions.field is id).",
    )
    async def replay_webhook_delivery(
        self,
        info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(description="The delivery's id.")],
    ) -> WebhookDelivery:
        endpoints.require_admin(await info.context.require_user())
        found = await queue.replay(row_id(str(id), field="id"))
        if found is None:
            raise NotFound("No webhook delivery has this id.", field="id")
        return WebhookDelivery.from_model(found)
