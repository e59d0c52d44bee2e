"""Data exports ("download my data"): one row per archive an account asked for (services/exports/)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import URL_MAX, User

STATUS_MAX = 10
STORAGE_KEY_MAX = 255
ERROR_MAX = 500


# One requested archive of everything held about an account. Built by a background builder (services/exports/
# builder.py) that claims it with a lease: `attempts` counts the claims, `next_attempt_at` is when a builder may
# (next) take it, so one that dies leaves it to be taken again once the lease runs out. The file is written whole
# before the row says ready. The mailed link's token is kept only as a keyed hash, spent once (`token_used_at`).
# (Comments, not docstrings: Tortoise would copy a model's docstring into the table's description.)
class DataExport(Model):
    id = fields.BigIntField(primary_key=True)
    # Null once the account is deleted: the row outlives it only until the maintenance loop deletes its file
    # and then the row (a cascade would take the row and leave the file, whose key only the row knows).
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="data_exports", null=True, on_delete=fields.OnDelete.SET_NULL
    )
    user_id: int | None
    status = fields.CharField(max_length=STATUS_MAX, default="pending")  # pending, building, ready, failed, expired
    requested_at = fields.DatetimeField()
    # Where the mailed link points: PUBLIC_URL, or the address the request came to when it is not set.
    link_base = fields.CharField(max_length=URL_MAX)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.CharField(max_length=ERROR_MAX, null=True)  # for the operator; never shown to the owner
    ready_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)  # ready_at + DATA_EXPORT_DAYS
    storage_key = fields.CharField(max_length=STORAGE_KEY_MAX, null=True)
    size = fields.BigIntField(null=True)  # bytes of the archive
    token_hash = fields.CharField(max_length=64, null=True)  # HMAC-SHA256 hex of the mailed link's token
    token_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "data_exports"
        # Claims read the first; the owner's list and the once-a-day check the second; the expiry the third.
        indexes = (("status", "next_attempt_at"), ("user_id", "requested_at"), ("status", "expires_at"))
