"""Field permissions."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.context import Context


class IsAuthenticated(BasePermission):
    """The caller sent a valid, unrevoked access token.

    It never answers False, so Strawberry's ``message`` and ``error_extensions`` are never used: the
    caller's UNAUTHENTICATED error says why (missing, expired, revoked, malformed).
    """

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        # require_user raises with the precise reason (missing, expired, revoked, malformed).
        await info.context.require_user()
        return True
