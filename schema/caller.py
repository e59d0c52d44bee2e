"""The caller as resolvers see it: what the HTTP edge (web.authentication.Caller) resolved for this request.

A protocol, so that the schema needs nothing from the edge that builds it."""

from __future__ import annotations

from typing import Protocol

from models import User
from services.client import Client


class Caller(Protocol):
    @property
    def address(self) -> str:
        """The client address (X-Forwarded-For believed only from TRUSTED_PROXIES)."""

    @property
    def user_agent(self) -> str | None: ...

    @property
    def client(self) -> Client:
        """Address and user agent, as sessions and security events record them."""

    async def user(self) -> User | None:
        """The caller, or None when anonymous or the token is bad."""

    def known(self) -> tuple[bool, User | None]:
        """Whether the caller was loaded already, and the user it is."""

    async def require_user(self) -> User: ...

    async def session_id(self) -> str | None: ...

    async def signed_in_at(self) -> int | None: ...

    def signed_in(self, user_id: int) -> None:
        """Name the user this request acts for in its access-log line."""
