"""Where a webhook may go: the URL rules, and (in production) the addresses its host resolves to.

Outside production ``http://`` and loopback receivers are allowed, for local work. In production only
``https://``, and a host that resolves to a loopback, private, link-local, unique-local, multicast, reserved
or unspecified address is refused (server-side request forgery: a webhook must not reach the internal
network), unless WEBHOOK_ALLOWED_NETWORKS holds it. The address check runs when the endpoint is created and
again before each delivery, since DNS can change in between, and the delivery connects to the address checked
(``pinned``). A URL never carries credentials.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit, urlunsplit

from models.webhook import URL_MAX
from settings import Settings

RESOLVE_TIMEOUT_SECONDS = 5


class Refused(Exception):
    """The URL, or where it leads, is not allowed; the message says why (and is safe to show an admin)."""


def check_url(url: str, settings: Settings) -> str:
    """``url`` if it may be a webhook endpoint's (its form only; ``check_addresses`` asks DNS), else Refused."""
    if len(url) > URL_MAX:
        raise Refused(f"url must be at most {URL_MAX} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError:
        raise Refused("url is not a valid URL.") from None
    allowed = ("https",) if settings.is_production else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise Refused(
            "url must be an https:// URL." if settings.is_production else "url must be an http:// or https:// URL."
        )
    if parts.username is not None or parts.password is not None:
        raise Refused("url must not carry credentials (user:password@); the signature authenticates deliveries.")
    if parts.fragment or any(c.isspace() for c in url):
        raise Refused("url must have no fragment (#...) and no spaces.")
    return url


async def check_addresses(url: str, settings: Settings) -> list[IPv4Address | IPv6Address]:
    """In production, the addresses the URL's host resolves to, Refused unless every one is public or allowed;
    outside production, none (nothing is checked)."""
    if not settings.is_production:
        return []
    host = urlsplit(url).hostname or ""
    found = await _resolve(host)
    for address in found:
        reason = _forbidden(address)
        if reason and not any(address in network for network in settings.webhook_allowed_networks):
            raise Refused(
                f"url's host {host} resolves to {address}, a {reason} address; production sends webhooks only to "
                "public addresses (WEBHOOK_ALLOWED_NETWORKS allows internal receivers)."
            )
    return found


@dataclass(frozen=True)
class Pinned:
    """A request to ``url``'s host sent to one checked address: the connection goes to ``target`` (the address
    in place of the host), with the host in the Host header and in TLS's SNI (``sni_hostname``), against which
    the certificate is verified. So a DNS answer that changes between the check and the connection (DNS
    rebinding) cannot lead the request elsewhere."""

    target: str
    host_header: str
    sni_hostname: str


def pinned(url: str, address: IPv4Address | IPv6Address) -> Pinned:
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = f"[{address}]" if isinstance(address, IPv6Address) else str(address)
    port = f":{parts.port}" if parts.port is not None else ""
    host_header = parts.netloc.rpartition("@")[2]
    target = urlunsplit((parts.scheme, shown + port, parts.path, parts.query, parts.fragment))
    return Pinned(target=target, host_header=host_header, sni_hostname=host)


async def _resolve(host: str) -> list[IPv4Address | IPv6Address]:
    try:
        return [ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            found = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        raise Refused(f"url's host {host} does not resolve.") from None
    addresses = {ip_address(str(info[4][0]).partition("%")[0]) for info in found}
    return sorted(addresses, key=str)


def _forbidden(address: IPv4Address | IPv6Address) -> str:
    """What kind of non-public address this is, or "" for a public one."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return _forbidden(address.ipv4_mapped)
    kinds = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),  # RFC 1918, fc00::/7 (unique-local), 100.64/10 shared, and more
        ("reserved", address.is_reserved),
        ("non-global", not address.is_global),
    )
    return next((kind for kind, is_kind in kinds if is_kind), "")
