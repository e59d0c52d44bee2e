"""Who may see what of a user: the rules a GraphQL field, a list and any future endpoint all apply."""

from __future__ import annotations

from models import User


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
