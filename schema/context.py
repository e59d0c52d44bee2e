"""Per-request context: the Bearer token is decoded once, the user loaded lazily and cached."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from models import User
from services import accounts, tokens
from services.errors import Unauthenticated
from settings import Settings

MISSING_TOKEN = "Authentication required: send 'Authorization: Bearer <access token>'."  # noqa: S105


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    _user: User | None = field(default=None, init=False)
    _error: Unauthenticated | None = field(default=None, init=False)
    _loaded: bool = field(default=False, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def user(self) -> User | None:
        """The caller, or None when anonymous or the token is bad (the reason is kept)."""
        if not self._loaded:
            async with self._lock:  # sibling fields may ask at once; load once
                if not self._loaded:
                    await self._load()
        return self._user

    async def require_user(self) -> User:
        user = await self.user()
        if user is None:
            raise self._error or Unauthenticated(MISSING_TOKEN)
        return user

    def signed_in(self, user_id: int) -> None:
        """Name the user this request acts for in its access-log line (login and register learn it late)."""
        self.request.state.user_id = user_id

    async def is_viewer(self, user_id: int) -> bool:
        viewer = await self.user()
        return viewer is not None and viewer.id == user_id

    async def _load(self) -> None:
        try:
            token = bearer_token(self.request.headers.get("authorization"))
            if token is not None:
                claims = tokens.decode_access_token(token, settings=self.settings)
                self._user = await accounts.user_for_token(claims)
                self.signed_in(self._user.id)
        except Unauthenticated as exc:
            self._error = exc
        self._loaded = True


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is no header."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated("The Authorization header must be 'Bearer <access token>'.")
    return token
