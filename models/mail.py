"""Mail that must not be lost (the outbox) and the one-time tokens that mails carry."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import EMAIL_MAX, User


class OutboxMail(Model):
    """A mail to send, written with the change that causes it.

    ``data`` holds what its template needs (a link with a token, say) until it is sent or given up
    on; then it is emptied, so tokens do not outlive their mail here.
    """

    id = fields.BigIntField(primary_key=True)
    # verify_email, reset_password, email_changed, password_changed...; or reset_password_request: no mail yet,
    # a reset request the sender turns into a mail or into nothing (services/accounts/password_reset.py); or
    # sign_in_code_request, likewise (services/identity/sign_in_codes.py)
    template = fields.CharField(max_length=40)
    recipient = fields.CharField(max_length=EMAIL_MAX)
    data = fields.TextField()  # JSON
    status = fields.CharField(max_length=10, default="pending")  # pending, sent, failed
    attempts = fields.IntField(default=0)
    # When a sender may (next) take it. A claim moves it a lease ahead, so a sender that dies mid-send
    # leaves the mail to be taken again once the lease runs out.
    next_attempt_at = fields.DatetimeField()
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_mails"
        # Claims read the first; /metrics' outbox depth (outbox.depth_query) reads the second alone.
        indexes = (("status", "next_attempt_at"), ("status", "created_at"))


class OneTimeToken(Model):
    """A token mailed to a user, stored only as a keyed hash."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="one_time_tokens", on_delete=fields.OnDelete.CASCADE
    )
    user_id: int
    purpose = fields.CharField(max_length=20)  # verify_email, reset_password, undo_email_change
    token_hash = fields.CharField(max_length=64, unique=True)  # HMAC-SHA256 hex
    email = fields.CharField(max_length=EMAIL_MAX)  # the address it was sent to
    token_version = fields.IntField()  # the user's token_version when issued: a password change outdates it
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)  # consumed, or voided by a newer token

    class Meta:
        table = "one_time_tokens"
