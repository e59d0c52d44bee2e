"""Refresh tokens. Each login starts a family; every refresh rotates to a new member of it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import User


class RefreshToken(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.OnDelete.CASCADE
    )
    # One family per sign-in. Presenting a token that was already rotated revokes the family:
    # either the client or a thief holds a copy it should not have.
    family = fields.CharField(max_length=32, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)  # SHA-256 hex; the token itself is never stored
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"
