"""Who may see what of a user: the rules a GraphQL field, a list and any future endpoint all apply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.expressions import Q, Subquery

from models import Block, Follow, User
from services.errors import Forbidden


def may_see_private(viewer: User | None, owner_id: int) -> bool:
    """The owner and admins see a user's private fields; anyone else does not.

    Private: contact details (email, phoneNumber), the admin flag, whether two-factor sign-in is on
    (twoFactorEnabled) and personal settings (pushNotifications). Everyone signed in sees the rest
    (names, bio, image, counts, verified).
    """
    return viewer is not None and (viewer.id == owner_id or viewer.is_admin)


def may_see_connections(viewer: User, owner_id: int, *, private: bool, viewer_follows: bool) -> bool:
    """Who may read a user's followers and following lists.

    A public account's: anyone signed in. A private account's: its owner, its approved followers and
    admins. (Its names, bio, image, counts and verified stay visible to everyone, as on large networks.)
    """
    return not private or viewer.id == owner_id or viewer.is_admin or viewer_follows


async def check_connections(
    viewer: User,
    owner_id: int,
    list_name: str,
    *,
    private: bool,
    follows: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """FORBIDDEN (naming ``list_name``, "followers" or "following") unless ``viewer`` may read ``owner_id``'s
    list (``may_see_connections``). The one check every reader of these lists makes (or, answering null
    instead of an error, ``connections_visible``).

    ``follows`` tells whether the viewer follows the owner (asked only for a private account); by default
    it is read from the follow rows. A reader that batches relations (GraphQL's loaders) passes its own.
    """
    if not await connections_visible(viewer, owner_id, private=private, follows=follows):
        raise Forbidden(
            f"This account is private: only its owner and approved followers see its {list_name}.",
            field=list_name,
        )


async def connections_visible(
    viewer: User, owner_id: int, *, private: bool, follows: Callable[[], Awaitable[bool]] | None = None
) -> bool:
    """Whether ``viewer`` may read ``owner_id``'s followers and following lists (``may_see_connections``), for a
    reader that answers null rather than an error (GraphQL's fields); ``follows`` as for ``check_connections``."""
    viewer_follows = private and await (follows or _follows(viewer.id, owner_id))()
    return may_see_connections(viewer, owner_id, private=private, viewer_follows=viewer_follows)


def _follows(viewer_id: int, owner_id: int) -> Callable[[], Awaitable[bool]]:
    async def read() -> bool:
        return await Follow.filter(follower_id=viewer_id, followee_id=owner_id, accepted=True).exists()

    return read


def findable(viewer_id: int, via: str = "", *, admin: bool = False) -> Q:
    """The users a viewer may find: every lookup and list a viewer makes applies this, and only this.

    Hidden: users who block the viewer (to them the viewer does not exist, and so they do not exist to
    the viewer), and accounts deactivated by their owner or suspended by an admin (see ``shown``); an
    ``admin`` looking one up by name still finds those. ``via`` is the relation from the queried model
    to the user, e.g. ``"follower__"``.
    """
    blockers = Block.filter(blocked_id=viewer_id).values("blocker_id")
    condition: dict[str, Any] = {f"{via}id__not_in": Subquery(blockers)}
    return Q(**condition) if admin else Q(**condition) & shown(via)


def shown(via: str = "") -> Q:
    """Accounts neither deactivated nor suspended (services.accounts.lifecycle): the others exist for no one but
    admins, and their follows count in no one's counts while they are hidden."""
    condition: dict[str, Any] = {f"{via}account_deleted": False, f"{via}suspended_at__isnull": True}
    return Q(**condition)
