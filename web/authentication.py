"""Who is calling: the bearer token and the client address, resolved at the HTTP edge for any endpoint.

A refused token is UNAUTHENTICATED with ``extensions.reason`` (services.identity.refusals); a request
without one is UNAUTHENTICATED with no reason.

The ``Authentication`` middleware puts a :class:`Caller` in every HTTP request's state. Nothing is
decoded or loaded until an endpoint asks, so anonymous requests and GraphiQL's page stay cheap; the
token is decoded and the user loaded at most once per request.
"""

from __future__ import annotations

import asyncio
from ipaddress import IPv4Network, IPv6Network, ip_address
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from models import User
from services.client import Client
from services.errors import Unauthenticated
from services.identity import access_tokens, refusals, sign_in
from settings import Settings
from web.request_state import request_state

MISSING_TOKEN = "Authentication required: send 'Authorization: Bearer <access token>'."  # noqa: S105
MAX_HEADER_LENGTH = 4096
TOKEN_PARAMETERS = frozenset({"access_token", "token"})


class Caller:
    """The client of one request: its address, and the user its access token speaks for."""

    def __init__(self, scope: Scope, settings: Settings) -> None:
        self._scope = scope
        self._settings = settings
        self._address: str | None = None
        self._client: Client | None = None
        self._user: User | None = None
        self._session_id: str | None = None
        self._signed_in_at: int | None = None
        self._error: Unauthenticated | None = None
        self._loaded = False
        self._lock = asyncio.Lock()

    @property
    def address(self) -> str:
        """The client address, believing X-Forwarded-For only from TRUSTED_PROXIES."""
        if self._address is None:
            peer = self._scope["client"][0] if self._scope.get("client") else "unknown"
            forwarded = Headers(scope=self._scope).getlist("x-forwarded-for")
            self._address = client_address(peer, forwarded, self._settings.trusted_proxies)
        return self._address

    @property
    def user_agent(self) -> str | None:
        return Headers(scope=self._scope).get("user-agent")

    @property
    def client(self) -> Client:
        """The client as sessions and security events record it: its address and user agent."""
        if self._client is None:
            self._client = Client(self.address, self.user_agent)
        return self._client

    async def user(self) -> User | None:
        """The caller, or None when anonymous or the token is bad (the reason is kept)."""
        if not self._loaded:
            async with self._lock:  # sibling fields may ask at once; load once
                if not self._loaded:
                    await self._load()
        return self._user

    def known(self) -> tuple[bool, User | None]:
        """Whether the caller was loaded already (by an earlier ``user()``), and the user it is."""
        return self._loaded, self._user

    async def require_user(self) -> User:
        user = await self.user()
        if user is None:
            raise self._error or Unauthenticated(MISSING_TOKEN)
        return user

    async def session_id(self) -> str | None:
        """The session of the caller's access token (its ``sid``), None when anonymous."""
        return self._session_id if await self.user() is not None else None

    async def signed_in_at(self) -> int | None:
        """When the caller's session signed in with credentials (the token's ``auth_time``, epoch seconds);
        None when anonymous or the token predates the claim."""
        return self._signed_in_at if await self.user() is not None else None

    def signed_in(self, user_id: int) -> None:
        """Name the user this request acts for in its access-log line (login and register learn it late)."""
        request_state(self._scope).user_id = user_id

    async def _load(self) -> None:
        try:
            if self._scope.get("query_string") and _has_token_parameter(self._scope["query_string"]):
                # A token in a URL ends up in logs and browser history; refuse it outright.
                raise refusals.invalid("Send the access token in the Authorization header, never in the URL.")
            token = bearer_token(Headers(scope=self._scope).get("authorization"))
            if token is not None:
                claims = await access_tokens.verify(token, settings=self._settings)
                self._user = await sign_in.user_for_token(claims)
                self._session_id = claims.session_id
                self._signed_in_at = claims.auth_time
                self.signed_in(self._user.id)
        except Unauthenticated as exc:
            self._error = exc
        self._loaded = True


class Authentication:
    """Pure ASGI middleware: a lazy :class:`Caller` in the :class:`~web.request_state.RequestState` of every HTTP
    request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request_state(scope).caller = Caller(scope, self.settings)
        await self.app(scope, receive, send)


def _has_token_parameter(query_string: bytes) -> bool:
    return any(
        name in TOKEN_PARAMETERS for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    )


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is no header."""
    if header is None:
        return None
    if len(header) > MAX_HEADER_LENGTH:
        raise refusals.invalid("The Authorization header is too long.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise refusals.invalid("The Authorization header must be 'Bearer <access token>'.")
    return token


def client_address(peer: str, forwarded_for: list[str], trusted_proxies: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The socket peer, or the nearest untrusted hop of X-Forwarded-For when the peer is a trusted proxy."""
    if not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
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
