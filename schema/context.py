"""Per-request context: settings, the throttle, and the caller that the HTTP edge resolved."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from models import User
from services.throttle import Throttle
from services.visibility import may_see_private
from settings import Settings
from web.authentication import Caller


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    throttle: Throttle
    caller: Caller

    @property
    def address(self) -> str:
        return self.caller.address

    async def user(self) -> User | None:
        return await self.caller.user()

    async def require_user(self) -> User:
        return await self.caller.require_user()

    def signed_in(self, user_id: int) -> None:
        self.caller.signed_in(user_id)

    async def may_see_private(self, owner_id: int) -> bool:
        """The visibility rule (services.visibility) applied to this request's caller."""
        return may_see_private(await self.caller.user(), owner_id)
