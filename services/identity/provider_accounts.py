"""The accounts side of provider sign-in: which account a provider's identity is, a new account for a first
sign-in, linking and unlinking while signed in, and a first password for an account that has none.

An identity is matched by the provider's subject only, never by email: an address that an existing account
has is refused (EMAIL_IN_USE: sign in to that account, then link the provider), since linking by a matching
address hands the account to whoever controls that address at the provider (an account takeover).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from tortoise.exceptions import IntegrityError

from models import ProviderLink, User, UserProfile
from models.provider_link import SUBJECT_MAX
from models.user import NAME_MAX, USER_NAME_MAX
from services import audit
from services.accounts import email_verification
from services.accounts.validation import clean_email, clean_new_password, email_key, user_name_key
from services.client import Client
from services.errors import Conflict, Forbidden, InvalidInput, NotFound, RecentSignInRequired
from services.identity import passwords, reauthentication, sign_in_methods
from services.identity.provider_client import Identity
from services.identity.sign_in_methods import has_password
from services.people import directory, lookup
from services.security_events import Kind
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

# The callback's ?error= reasons that are about accounts.
EMAIL_IN_USE = "PROVIDER_EMAIL_IN_USE"
ALREADY_LINKED = "PROVIDER_ALREADY_LINKED"
# extensions.reason of a refused unlinkProvider.

NO_PASSWORD = ""  # password_hash of an account made by a provider: no password verifies against it
PASSWORD_EXISTS = (
    "The account has a password already; change it with updateUser (providedOldPassword, providedNewPassword)."  # noqa: S105
)
NAME_ATTEMPTS = 20
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.]+")


class ProviderRefused(Forbidden):
    """A provider sign-in that must not go on; ``reason`` is the callback's ?error= value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "reason": self.reason}


def name_base(identity: Identity) -> str:
    """A user name from the provider's claims, in our alphabet (accents dropped, anything else an underscore):
    the preferred name, else the email's local part, else the name, else ``user``."""
    for candidate in (
        identity.preferred_username,
        identity.email.split("@", 1)[0] if identity.email else None,
        identity.name,
    ):
        ascii_only = unicodedata.normalize("NFKD", candidate or "").encode("ascii", "ignore").decode()  # Zoë: Zoe
        cleaned = _NOT_NAME.sub("_", ascii_only).strip("_.")[:USER_NAME_MAX]
        if any(ch.isalnum() for ch in cleaned):
            return cleaned
    return "user"


async def unique_user_name(base: str) -> str:
    """``base`` if no one has it, else ``base`` with a number (the first free of a few tries, then a random
    one), within the user name's length."""
    candidates = [base] + [f"{base[: USER_NAME_MAX - len(str(n))]}{n}" for n in range(2, NAME_ATTEMPTS)]
    for candidate in candidates:
        if not await User.filter(user_name_key=user_name_key(candidate)).exists():
            return candidate
    suffix = secrets.token_hex(4)
    return f"{base[: USER_NAME_MAX - len(suffix) - 1]}_{suffix}"


async def linked_user(provider: str, subject: str) -> User | None:
    link = await ProviderLink.filter(provider=provider, subject=subject[:SUBJECT_MAX]).first()
    return await lookup.by_id(link.user_id) if link is not None else None


def _checked_email(identity: Identity) -> str | None:
    if identity.email is None:
        return None
    try:
        return clean_email(identity.email)
    except InvalidInput:
        return None  # an address we could not store: the account starts without one


async def account_for(provider: str, identity: Identity, *, settings: Settings, client: Client) -> User:
    """The account this identity signs in to: the one linked to it, else a new one (an address the provider
    did not verify gets our verification mail, as at registration). An address another account has is refused
    (EMAIL_IN_USE), never linked."""
    user = await linked_user(provider, identity.subject)
    if user is not None:
        return user
    email = _checked_email(identity)
    if email is not None and await User.filter(email_key=email_key(email)).exists():
        raise ProviderRefused(
            EMAIL_IN_USE,
            "An account already has this email address. Sign in to it (password or email code), then link the "
            "provider from your account settings.",
        )
    for _ in range(3):  # a name taken between the look-up and the insert: pick again
        name = await unique_user_name(name_base(identity))
        first, last = _names(identity)
        values: dict[str, Any] = {
            "user_name": name,
            "user_name_key": user_name_key(name),
            "first_name": first,
            "last_name": last,
            "email": email,
            "email_key": email_key(email) if email else None,
            "email_verified": email is not None and identity.email_verified,
            "password_hash": NO_PASSWORD,
            **directory.name_keys(first, last),
        }
        try:
            async with transaction():
                created = await User.create(**values)
                await UserProfile.create(user=created)
                await ProviderLink.create(
                    user=created, provider=provider, subject=identity.subject[:SUBJECT_MAX], email=email
                )
                if email is not None and not created.email_verified:
                    await email_verification.mail_verification(user=created, email=email, settings=settings)
                await emit("user.created", payloads.created(created))
        except IntegrityError:
            if email is not None and await User.filter(email_key=email_key(email)).exists():
                raise ProviderRefused(EMAIL_IN_USE, "An account already has this email address.") from None
            again = await linked_user(provider, identity.subject)  # the same person signing in twice at once
            if again is not None:
                return again
            continue
        await audit.record(audit.REGISTERED, user_id=created.id, client=client, provider=provider)
        found = await lookup.by_id(created.id)
        if found is not None:
            return found
    raise Conflict("Could not pick a free user name; try again.")


def _names(identity: Identity) -> tuple[str, str]:
    first, last = identity.given_name or "", identity.family_name or ""
    if not first and not last and identity.name:
        first, _, last = identity.name.partition(" ")
    return first.strip()[:NAME_MAX], last.strip()[:NAME_MAX]


async def link(user_id: int, provider: str, identity: Identity, *, client: Client) -> User:
    """Link the identity to the signed-in account that asked (linkProvider). Refused (ALREADY_LINKED) when the
    identity is another account's, or this account has another identity at this provider."""
    user = await lookup.by_id(user_id)
    if user is None:
        raise NotFound("The account that asked to link no longer exists.")
    owner = await linked_user(provider, identity.subject)
    if owner is not None and owner.id == user.id:
        return user
    taken = ProviderRefused(
        ALREADY_LINKED,
        "This provider account is linked to another account, or yours is linked to another one at this provider.",
    )
    if owner is not None:
        raise taken
    try:
        await ProviderLink.create(
            user_id=user.id, provider=provider, subject=identity.subject[:SUBJECT_MAX], email=_checked_email(identity)
        )
    except IntegrityError:
        raise taken from None
    await audit.record(Kind.PROVIDER_LINKED, user_id=user.id, client=client, provider=provider)
    return user


async def links(user: User) -> list[ProviderLink]:
    return await ProviderLink.filter(user_id=user.id).order_by("id")


async def unlink(user: User, provider: str, *, client: Client) -> None:
    """Remove the account's link to ``provider``, unless it is the last way left to sign in
    (services/identity/sign_in_methods.py: no password, no passkey, no other link)."""
    async with transaction():
        ways = await sign_in_methods.locked(user.id)
        target = await ProviderLink.filter(user_id=user.id, provider=provider).first()
        if target is None:
            raise NotFound(f"Your account is not linked to {provider!r}.", field="provider")
        sign_in_methods.keep_one(
            ways,
            "This is your account's only way to sign in: set a password (setPassword), add a passkey or link "
            "another provider first.",
            field="provider",
        )
        await ProviderLink.filter(id=target.id).delete()
    await audit.record(Kind.PROVIDER_UNLINKED, user_id=user.id, client=client, provider=provider)


async def set_first_password(
    user: User, new_password: str, *, settings: Settings, client: Client, signed_in_at: float | None
) -> None:
    """Give an account without a password (made by a provider) one, under the usual rules. An account that
    has one is CONFLICT: changing it asks for the old one (updateUser). A new way into the account: a stolen
    token alone must not add one, so the session must have signed in recently (RECENT_SIGN_IN_SECONDS)."""
    if has_password(user):
        raise Conflict(PASSWORD_EXISTS, field="newPassword")
    if not reauthentication.is_recent(signed_in_at, settings):
        await audit.record(Kind.RECENT_SIGN_IN_REQUIRED, user_id=user.id, client=client)
        raise RecentSignInRequired(
            "Setting a first password needs a recent sign-in: sign in again (with your provider), then set it."
        )
    password = clean_new_password(new_password, "newPassword", user_name=user.user_name, email=user.email)
    hashed = await passwords.hash_password(password, rounds=settings.bcrypt_rounds)
    async with transaction():
        if not await User.filter(id=user.id, password_hash=NO_PASSWORD).update(password_hash=hashed):
            raise Conflict(PASSWORD_EXISTS, field="newPassword")  # set by a request that came first
        await emit("user.updated", payloads.updated(user, ["password"]))
    user.password_hash = hashed
    await audit.record(Kind.PASSWORD_SET, user_id=user.id, client=client)
