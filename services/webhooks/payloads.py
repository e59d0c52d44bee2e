"""The ``data`` of each webhook event, built in one place from what the change has at hand, so every
place that raises an event writes the same shape (README, "Webhook events").

Every payload names its user as ``{"id", "userName"}``: ``id`` is the user's GraphQL global id (the one
``User.id`` answers, see schema/nodes.py), so a receiver can fetch the account with ``node(id:)``. Field
names are GraphQL's (``userName``, ``emailVerified``...). Nothing here ever carries a secret: no password
or hash, no token, code, TOTP secret or refresh token; a password change is the word ``"password"`` in
``changed``, never a value.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable
from typing import Literal

from models import User

UserRef = dict[str, object]
Restored = Literal["deactivated", "suspended"]

# Model attributes (FIELD_RULES' keys and a few more) -> the GraphQL field an update changed.
CHANGED_FIELDS = {
    "user_name": "userName",
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "email_verified": "emailVerified",
    "phone_number": "phoneNumber",
    "bio": "bio",
    "profile_image": "profileImage",
    "website": "website",
    "gender": "gender",
    "push_notifications": "pushNotifications",
    "account_privacy": "accountPrivacy",
    "verified": "verified",
    "is_admin": "isAdmin",
    "two_factor_enabled": "twoFactorEnabled",
    "password": "password",
}


def user_global_id(user_id: int) -> str:
    """The user's GraphQL global id, written as schema.nodes.global_id writes it (base64 of ``User:<id>``);
    services do not import the schema, and a test holds the two to the same text."""
    return binascii.b2a_base64(f"User:{user_id}".encode(), newline=False).decode()


def user_ref(user_id: int, user_name: str) -> UserRef:
    return {"id": user_global_id(user_id), "userName": user_name}


def _user(user: User) -> UserRef:
    return user_ref(user.id, user.user_name)


def created(user: User) -> dict[str, object]:
    """user.created: an account was born (registration, a provider's first sign-in)."""
    return {"user": _user(user)}


def updated(user: User, changed: Iterable[str], *, user_name: str | None = None) -> dict[str, object]:
    """user.updated: the GraphQL names of the fields whose values changed (model attributes are mapped);
    ``user_name`` is the name after the update when it renamed the user."""
    names = [CHANGED_FIELDS.get(name, name) for name in changed]
    return {"user": user_ref(user.id, user_name or user.user_name), "changed": list(dict.fromkeys(names))}


def email_verified(user: User, email: str) -> dict[str, object]:
    """user.email_verified: ``email`` was proven to be the account's (a mailed link, code or reset)."""
    return {"user": _user(user), "email": email}


def deactivated(user: User) -> dict[str, object]:
    """user.deactivated: the owner deactivated the account (restorable by signing in, then purged)."""
    return {"user": _user(user)}


def restored(user: User, *, was: Restored) -> dict[str, object]:
    """user.restored: a deactivated account signed in again, or an admin lifted a suspension (``from``)."""
    return {"user": _user(user), "from": was}


def suspended(user: User) -> dict[str, object]:
    """user.suspended: an admin suspended the account (the reason is for admins, not in the event)."""
    return {"user": _user(user)}


def deleted(user_id: int, user_name: str, *, purged: bool) -> dict[str, object]:
    """user.deleted: the account is gone; ``purged`` when the clean-up removed a deactivated account past
    ACCOUNT_RESTORE_DAYS, false when its owner or an admin deleted it (deleteUser)."""
    return {"user": user_ref(user_id, user_name), "purged": purged}


def session_revoked(user_id: int, user_name: str, *, session_id: str, reason: str) -> dict[str, object]:
    """session.revoked: one session ended; ``reason`` is its end reason (TOKEN_REVOKED for this one session,
    SESSION_ENDED when it ended with all of the account's others)."""
    return {"user": user_ref(user_id, user_name), "session": {"id": session_id}, "reason": reason}


def follow(follower: User, followee: User) -> dict[str, object]:
    """follow.created / follow.deleted: an active follow began or ended (never a pending request)."""
    return {"follower": _user(follower), "followee": _user(followee)}
