"""Who is calling, as the HTTP edge saw it: the client's address and user agent, in one object.

Services that record the caller (sessions, the audit trail) or count it (the throttles, by address) take a
``Client`` instead of loose ``address``/``user_agent`` arguments; resolvers pass the request context's.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.session import ADDRESS_MAX, USER_AGENT_MAX


@dataclass(frozen=True)
class Client:
    """The client's address (X-Forwarded-For only from TRUSTED_PROXIES) and the User-Agent it sent."""

    address: str
    user_agent: str | None = None

    @property
    def ip_address(self) -> str:
        """The address, cut to the column's length."""
        return self.address[:ADDRESS_MAX]

    @property
    def agent(self) -> str | None:
        """The user agent, cut to the column's length."""
        return self.user_agent[:USER_AGENT_MAX] if self.user_agent else None


# The operator at the command line (python main.py ...): the address its events are logged with.
OPERATOR = Client("cli")
