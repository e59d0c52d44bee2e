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
