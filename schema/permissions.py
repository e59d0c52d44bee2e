"""Field permissions."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.context import Context
from web.authentication import MISSING_TOKEN


class IsAuthenticated(BasePermission):
    """The caller sent a valid, unrevoked access token."""

    message = MISSING_TOKEN
    error_extensions = {"code": "UNAUTHENTICATED"}

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        # require_user raises with the precise reason (missing, expired, revoked, malformed).
        await info.context.require_user()
        return True
