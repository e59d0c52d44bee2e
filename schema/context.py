"""Per-request context: settings, the throttle, and the caller that the HTTP edge resolved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from strawberry.dataloader import DataLoader

from models import User
from schema.caller import Caller
from services.client import Client
from services.people.relationships import Relationship
from services.people.visibility import may_see_private
from services.throttle import Throttle
from settings import Settings

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class Context:
    request: Request
    settings: Settings
    throttle: Throttle
    caller: Caller
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    # The caller's relation to users, by user id, as lists read them (schema.social.prefetch_relationships).
    relationships: dict[int, Relationship] = field(default_factory=dict)
    # The operation's name, noted by schema.pipeline.RequestPipeline; the edge copies it to the access log.
    operation_name: str | None = None
    # Cookie mode (AUTH_COOKIES): the edge's keeper of the refresh tokens this request issues (token, seconds
    # to live), which puts each in an HttpOnly cookie. None: they go in the payload.
    refresh_cookie: Callable[[str, int], None] | None = None

    @property
    def address(self) -> str:
        return self.caller.address

    @property
    def client(self) -> Client:
        """Who is calling (address and user agent), for the services that record it."""
        return self.caller.client

    def hand_out_refresh_token(self, token: str, expires_in: int) -> str | None:
        """The refresh token for the payload: ``token`` itself, or None once the edge has put it in a cookie."""
        if self.refresh_cookie is None:
            return token
        self.refresh_cookie(token, expires_in)
        return None

    async def require_user(self) -> User:
        return await self.caller.require_user()

    def signed_in(self, user_id: int) -> None:
        self.caller.signed_in(user_id)

    async def may_see_private(self, owner_id: int) -> bool:
        """The visibility rule (services.people.visibility) applied to this request's caller."""
        return may_see_private(await self.caller.user(), owner_id)

    def may_see_private_now(self, owner_id: int) -> bool | None:
        """``may_see_private`` without waiting, or None when the caller is not loaded yet."""
        loaded, user = self.caller.known()
        return may_see_private(user, owner_id) if loaded else None

    def forget_people(self) -> None:
        """Drop what this request read about people (loaders, relations): a mutation is about to change it."""
        self.loaders.clear()
        self.relationships.clear()

    def loader(self, name: str, load: Callable[[list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
        """The request's DataLoader called ``name`` (made with ``load`` on first use): fields on a list of
        users share one batched query instead of one each."""
        if name not in self.loaders:
            self.loaders[name] = DataLoader(load_fn=load)
        loader: DataLoader[K, V] = self.loaders[name]
        return loader
