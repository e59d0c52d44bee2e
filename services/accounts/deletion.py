"""Deleting an account for good, by its owner or an admin. Keyword-only, GraphQL-free."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import User
from services import audit
from services.accounts.managed import managed_account
from services.client import Client
from services.deadlocks import again_on_deadlock
from services.errors import NotFound
from services.identity import reauthentication
from services.media import profile_images
from services.people import counters
from services.throttle import Throttle
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings


async def delete_user(
    *,
    actor: User,
    user_name: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    password: str | None = None,
    signed_in_at: float | None = None,
) -> User:
    """Hard-delete the user, its profile, sessions and follows; every token it held dies with it.

    The actor (the user itself, or an admin) needs a recent sign-in (``signed_in_at``) or its ``password``.
    """
    target = await managed_account(actor, user_name)
    await reauthentication.require_recent_sign_in(
        actor,
        signed_in_at=signed_in_at,
        password=password,
        field="password",
        settings=settings,
        throttle=throttle,
        client=client,
    )

    async def delete() -> str | None:
        async with in_transaction():
            await counters.release_counts(user_id=target.id)  # everyone else's counters stay true
            picture = await profile_images.stored_stem(target.id)
            deleted = await User.filter(id=target.id).delete()
            if not deleted:
                raise NotFound(f"No user is named {user_name!r}.", field="userName")
            # Its sessions and follows go with it (cascade): user.deleted stands for them, no event of their own.
            await emit("user.deleted", payloads.deleted(target.id, target.user_name, purged=False))
        return picture

    picture = await again_on_deadlock(delete)
    await profile_images.delete_stem(picture, settings)  # its uploaded picture's files, once the row is gone
    await audit.record(audit.ACCOUNT_DELETED, user_id=target.id, client=client, by=actor.id)
    return target
