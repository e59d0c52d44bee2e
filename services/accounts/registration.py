"""Registration, and granting admin to a registered user (the create-admin command). Keyword-only, GraphQL-free."""

from __future__ import annotations

from typing import cast

from tortoise.exceptions import IntegrityError

from models import User, UserProfile
from services import audit
from services.accounts import email_verification, uniqueness
from services.accounts.validation import FieldChecks, check_fields, clean_new_password
from services.client import Client
from services.errors import NotFound, Unauthenticated
from services.identity import passwords
from services.identity.sign_in import SignedIn, start_session
from services.people import directory, lookup
from services.throttle import Throttle
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

# The order of the fields in RegisterInput, which errors are reported in.
REGISTER_ORDER = ("userName", "password", "email", "firstName", "lastName", "phoneNumber")


async def register(
    *,
    user_name: str,
    password: str,
    settings: Settings,
    throttle: Throttle,
    client: Client,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    phone_number: str | None = None,
) -> SignedIn:
    """Create a user and its profile (default settings) in one transaction, and sign it in.

    Every field that breaks its rule is reported together (InvalidFields, in RegisterInput's order), and so is
    every unique value that is taken (TakenFields)."""
    await throttle.reserve("registrations", address=client.address)
    given: dict[str, object] = {"user_name": user_name, "first_name": first_name or "", "last_name": last_name or ""}
    given.update((key, value) for key, value in (("email", email), ("phone_number", phone_number)) if value is not None)
    checks = FieldChecks()
    fields = check_fields(given, checks)
    checked = checks.check(lambda: clean_new_password(password, user_name=user_name, email=fields.user.get("email")))
    checks.raise_refused(REGISTER_ORDER)
    password = cast(str, checked)  # not None: a refused password raised just now
    password_hash = await passwords.hash_password(password, rounds=settings.bcrypt_rounds)
    try:
        async with transaction():
            names = directory.name_keys(str(fields.user["first_name"]), str(fields.user["last_name"]))
            created = await User.create(**{**fields.user, **names}, password_hash=password_hash)
            await UserProfile.create(user=created)
            await emit("user.created", payloads.created(created))
            if created.email:
                await email_verification.mail_verification(user=created, email=created.email, settings=settings)
    except IntegrityError:
        raise await uniqueness.conflict(fields.user, exclude_id=None) from None
    user = await lookup.by_id(created.id)
    if user is None:
        raise Unauthenticated("The account was deleted while being created.")
    await audit.record(audit.REGISTERED, user_id=user.id, client=client)
    return await start_session(user, settings, client=client)


async def grant_admin(user_name: str) -> User:
    """Make an existing user an admin (the create-admin command)."""
    user = await lookup.by_name(user_name)
    if user is None:
        raise NotFound(f"No user is named {user_name!r}.", field="userName")
    async with transaction():
        if await User.filter(id=user.id, is_admin=False).update(is_admin=True):
            await emit("user.updated", payloads.updated(user, ["is_admin"]))
    user.is_admin = True
    return user
