"""Per-request context: the Bearer token is decoded once, the user loaded lazily and cached."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import Request
from starlette.responses import Response

from models import User
from services import accounts, tokens
from services.errors import Unauthenticated
from services.throttle import Throttle
from settings import Settings

MISSING_TOKEN = "Authentication required: send 'Authorization: Bearer <access token>'."  # noqa: S105
MAX_HEADER_LENGTH = 4096
TOKEN_PARAMETERS = ("access_token", "token")


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    throttle: Throttle
    _user: User | None = field(default=None, init=False)
    _error: Unauthenticated | None = field(default=None, init=False)
    _loaded: bool = field(default=False, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    @property
    def address(self) -> str:
        return client_address(self.request, self.settings.trusted_proxies)

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

    async def is_admin(self) -> bool:
        viewer = await self.user()
        return viewer is not None and viewer.is_admin

    async def _load(self) -> None:
        try:
            if any(name in self.request.query_params for name in TOKEN_PARAMETERS):
                # A token in a URL ends up in logs and browser history; refuse it outright.
                raise Unauthenticated("Send the access token in the Authorization header, never in the URL.")
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
    if len(header) > MAX_HEADER_LENGTH:
        raise Unauthenticated("The Authorization header is too long.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated("The Authorization header must be 'Bearer <access token>'.")
    return token


def client_address(request: Request, trusted_proxies: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The socket peer, or the nearest untrusted hop of X-Forwarded-For when the peer is a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _is_trusted(hop, trusted_proxies):
            return hop if _is_ip(hop) else peer
    return peer


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted_proxies: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_proxies)
