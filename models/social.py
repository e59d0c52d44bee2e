"""Who follows whom, who asked to, and who blocks whom.

A ``Follow`` row is either a follow (``accepted``) or a pending request to a private account. Its id
orders the lists newest first and is what their cursors point at: approving a request replaces the row,
so a follow's place in the list is when it began.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.user import User


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    follower: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="following_rows", on_delete=fields.OnDelete.CASCADE
    )
    followee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="follower_rows", on_delete=fields.OnDelete.CASCADE
    )
    accepted = fields.BooleanField()  # false: a request waiting for a private account's approval
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follows"
        unique_together = (("follower", "followee"),)
        # The lists: a user's followers (or requests) and a user's follows, newest first.
        indexes = (
            Index(fields=("followee_id", "accepted", "id"), name="follows_followee_list"),
            Index(fields=("follower_id", "accepted", "id"), name="follows_follower_list"),
        )


class Block(Model):
    id = fields.BigIntField(primary_key=True)
    blocker: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="blocks_given", on_delete=fields.OnDelete.CASCADE
    )
    blocked: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="blocks_received", on_delete=fields.OnDelete.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocks"
        unique_together = (("blocker", "blocked"),)
        # "Who blocks this viewer", asked by every lookup a viewer makes.
        indexes = (Index(fields=("blocked_id", "blocker_id"), name="blocks_by_blocked"),)
