"""Security events: a user's own history of sign-ins and account changes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.session import ADDRESS_MAX, USER_AGENT_MAX
from models.user import User

KIND_MAX = 32


# One thing that happened to an account (a sign-in, a failed one, a password change...), with the
# client that did it. Kept SECURITY_EVENT_DAYS, then pruned; deleted with its user. Listed newest
# first by id, so the (user, id) index serves every page.
class SecurityEvent(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="security_events", on_delete=fields.OnDelete.CASCADE
    )
    kind = fields.CharField(max_length=KIND_MAX)
    at = fields.DatetimeField(db_index=True)  # the prune deletes by time
    ip_address = fields.CharField(max_length=ADDRESS_MAX, null=True)
    user_agent = fields.CharField(max_length=USER_AGENT_MAX, null=True)

    class Meta:
        table = "security_events"
        indexes = (("user_id", "id"),)
