"""Account events for other services: written with the change that causes them (the outbox pattern the mail
uses), then fanned out to the webhook endpoints subscribed to their type and delivered (services/webhooks/)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

TYPE_MAX = 40


class WebhookEvent(Model):
    """One account event (``user.created``, ``follow.deleted``...), written in the transaction of its change.

    ``data`` is the JSON of the Standard Webhooks payload's ``data``; never a secret. Its ``webhook-id``
    is ``msg_`` and its id, the same on every delivery and every retry, so a receiver can de-duplicate.
    ``dispatched_at`` is set once the event has been fanned out to the endpoints subscribed to it.
    """

    id = fields.BigIntField(primary_key=True)
    type = fields.CharField(max_length=TYPE_MAX)
    data = fields.TextField()  # JSON
    created_at = fields.DatetimeField()
    dispatched_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_events"
        indexes = (("dispatched_at", "id"),)


URL_MAX = 2000
DESCRIPTION_MAX = 200
ERROR_MAX = 300


class WebhookEndpoint(Model):
    """A receiver an admin configured: the event types it hears, its signing secret.

    ``secret`` is a Fernet token (TOTP_ENCRYPTION_KEY) of the ``whsec_...`` string, never the string itself;
    after a rotation ``previous_secret`` still signs too (a second signature) until ``previous_secret_until``.
    """

    id = fields.BigIntField(primary_key=True)
    url = fields.CharField(max_length=URL_MAX)
    events = fields.TextField()  # JSON list of event types
    secret = fields.TextField()
    previous_secret = fields.TextField(null=True)
    previous_secret_until = fields.DatetimeField(null=True)
    enabled = fields.BooleanField(default=True)
    description = fields.CharField(max_length=DESCRIPTION_MAX, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_endpoints"


class WebhookDelivery(Model):
    """One event to one endpoint: pending, then delivered (a 2xx) or failed.

    A claim moves ``lease_until`` ahead and counts the try in ``attempts`` (a compare-and-set on it), so two
    workers never send one delivery at once; a worker that dies mid-send leaves it to be taken again once the
    lease runs out. ``attempts`` counts the tries since it was created or last replayed.
    """

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[WebhookEvent] = fields.ForeignKeyField(
        "models.WebhookEvent", related_name="deliveries", on_delete=fields.OnDelete.CASCADE
    )
    event_id: int
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.OnDelete.CASCADE
    )
    endpoint_id: int
    status = fields.CharField(max_length=10, default="pending")  # pending, delivered, failed
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=ERROR_MAX, null=True)
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("event", "endpoint"),)
        # Claims read the first; /metrics' depth and the listing by endpoint the others.
        indexes = (("status", "next_attempt_at"), ("status", "created_at"), ("endpoint_id", "id"))
