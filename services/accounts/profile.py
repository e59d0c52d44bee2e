"""Profile updates: names, contact details, profile settings, password and email changes. Keyword-only, GraphQL-free."""

from __future__ import annotations

from collections.abc import Mapping

from tortoise.exceptions import IntegrityError

from models import User, UserProfile
from services import audit
from services.accounts import change_notices, uniqueness
from services.accounts.managed import managed_account
from services.accounts.validation import (
    FIELD_RULES,
    UPDATE_ORDER,
    CleanFields,
    FieldChecks,
    check_fields,
    check_password_size,
    clean_new_password,
)
from services.client import Client
from services.deadlocks import again_on_deadlock
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.identity import credentials, passwords, reauthentication
from services.media import profile_images
from services.people import directory, follows, lookup
from services.security_events import Kind
from services.throttle import CONFLICTS, Throttle
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

CONFLICTS_THROTTLED = "Too many changes naming a taken userName, email or phoneNumber; try again later."


async def update_user(
    *,
    actor: User,
    changes: Mapping[str, object],
    settings: Settings,
    throttle: Throttle,
    client: Client,
    user_name: str | None = None,
    old_password: str | None = None,
    new_password: str | None = None,
    signed_in_at: float | None = None,
) -> User:
    """Apply the given changes (absent = untouched, None = cleared) to ``user_name`` or the actor.

    Everything is checked before anything is written, and written in one transaction. Every field that
    breaks its rule is reported together, the password fields' own rules included (InvalidFields, in
    UpdateUserInput's order); the current password is verified only once every field passes. A CONFLICT
    tells whether a name, email or phone number is taken, so those answers are throttled like
    registration: counted per acting account and per address before the write, given back if it goes through.
    Changing the email address needs a recent sign-in of the actor's session (``signed_in_at``) or the
    actor's password as ``old_password`` (services.identity.reauthentication); every password check is throttled.
    """
    target = await managed_account(actor, user_name)
    if "verified" in changes and not actor.is_admin:
        raise Forbidden("verified is set by the service, not by the user.", field="verified")
    checks = FieldChecks()
    fields = check_fields(changes, checks)
    email_changes = "email_key" in fields.user and fields.user["email_key"] != target.email_key
    # An email that broke its rule may have been a change: the old password alone is then no password change.
    maybe_email_change = email_changes or checks.refused_field("email")
    changes_password = new_password is not None or (old_password is not None and not maybe_email_change)
    new = _checked_new_password(target, fields, old_password, new_password, checks) if changes_password else None
    checks.raise_refused(UPDATE_ORDER)
    password_hash = await _checked_passwords(
        actor=actor,
        target=target,
        email_changes=email_changes,
        old_password=old_password,
        new=new,
        signed_in_at=signed_in_at,
        settings=settings,
        throttle=throttle,
        client=client,
    )
    probe = None
    if any(column in fields.user for column in uniqueness.UNIQUE_COLUMNS):
        probe = await throttle.reserve(
            *CONFLICTS, message=CONFLICTS_THROTTLED, account=f"id:{actor.id}", address=client.address
        )

    async def save() -> None:
        async with transaction():
            if fields.profile.get("account_privacy") is False:
                # First: it locks the owner and its requesters in id order (see approve_all_requests).
                await follows.approve_all_requests(owner_id=target.id)  # a public account has no pending requests
            await _write(target, fields, password_hash)
            await change_notices.mail_account_changes(
                before=target, changes=fields.user, password_changed=password_hash is not None, settings=settings
            )
            changed = _changed(target, fields, password_changed=password_hash is not None)
            if changed:  # an update that changes nothing raises nothing
                name = str(fields.user.get("user_name", target.user_name))  # the name it has now
                await emit("user.updated", payloads.updated(target, changed, user_name=name))

    try:
        await again_on_deadlock(save)
    except IntegrityError:
        raise await uniqueness.conflict(fields.user, exclude_id=target.id) from None
    if "profile_image" in fields.user:  # an external URL (or null) replaced an uploaded picture: its files go
        await profile_images.delete_stem(target.profile_image_key, settings)
    if probe is not None:
        await probe.succeeded()
    if password_hash is not None:
        await audit.record(Kind.PASSWORD_CHANGED, user_id=target.id, client=client, by=actor.id)
    if "email_key" in fields.user and fields.user["email_key"] != target.email_key:
        await audit.record(Kind.EMAIL_CHANGED, user_id=target.id, client=client, by=actor.id)
    refreshed = await lookup.by_id(target.id)
    if refreshed is None:
        raise NotFound("The user was deleted while being updated.", field="userName")
    return refreshed


async def _checked_passwords(
    *,
    actor: User,
    target: User,
    email_changes: bool,
    old_password: str | None,
    new: str | None,
    signed_in_at: float | None,
    settings: Settings,
    throttle: Throttle,
    client: Client,
) -> str | None:
    """Verify the passwords an update needs; the new password's hash, or None without a password change.

    ``new`` is the new password (its rules passed), or None when the update changes no password.
    ``old_password`` (providedOldPassword) is the target's current password in a password change, and the
    actor's in an email change (services.identity.reauthentication): one password when the actor changes itself. An
    admin changing someone else's email and password at once sends that account's password, and needs a
    recent sign-in for the email. Every password check counts toward the throttle.
    """
    own_password = old_password if actor.id == target.id or new is None else None
    if email_changes:
        await reauthentication.require_recent_sign_in(
            actor,
            signed_in_at=signed_in_at,
            password=own_password,
            field="providedOldPassword",
            settings=settings,
            throttle=throttle,
            client=client,
        )
    if new is None:
        return None
    if not (email_changes and own_password is not None):  # else checked just now, as the actor's (= target's)
        await reauthentication.verify(
            target,
            settings=settings,
            throttle=throttle,
            client=client,
            password=old_password,
            field="providedOldPassword",
        )
    return await passwords.hash_password(new, rounds=settings.bcrypt_rounds)


def _changed(before: User, fields: CleanFields, *, password_changed: bool) -> list[str]:
    """The attributes whose values the update changes (in UpdateUserInput's order), compared with ``before``
    as read for this update; a new email also unverifies a verified one; a password is named, never shown."""
    new = {**fields.user, **fields.profile}
    old = {
        **{key: getattr(before, key) for key in fields.user},
        **{key: getattr(before.profile, key) for key in fields.profile},
    }
    changed = [attribute for attribute in FIELD_RULES if attribute in new and new[attribute] != old[attribute]]
    if "email" in changed and before.email_verified:
        changed.insert(changed.index("email") + 1, "email_verified")
    if password_changed:
        changed.append("password")
    return changed


def _checked_new_password(
    user: User, fields: CleanFields, old_password: str | None, new_password: str | None, checks: FieldChecks
) -> str | None:
    """Check a password change's inputs (both fields, the new one's policy) before any password is verified:
    the new password, or None with the refusals kept in ``checks``."""
    if old_password is None:
        checks.refuse(InvalidInput("A password change needs providedOldPassword too.", field="providedOldPassword"))
    else:
        checks.check(lambda: check_password_size(old_password, "providedOldPassword"))
    if new_password is None:
        checks.refuse(InvalidInput("A password change needs providedNewPassword too.", field="providedNewPassword"))
        return None
    return checks.check(
        lambda: clean_new_password(
            new_password,
            "providedNewPassword",
            user_name=str(fields.user.get("user_name", user.user_name)),
            email=fields.user.get("email", user.email),
        )
    )


async def _write(user: User, fields: CleanFields, password_hash: str | None) -> None:
    columns = dict(fields.user)
    if "profile_image" in columns:
        columns["profile_image_key"] = None  # one picture: the URL sent replaces an uploaded one
    if "first_name" in columns or "last_name" in columns:
        # The directory's search keys are made from both names, one of which may be the stored one:
        # write only if the stored names are still those the keys were made from.
        first, last = columns.get("first_name", user.first_name), columns.get("last_name", user.last_name)
        columns.update(directory.name_keys(str(first), str(last)))
        same_names = User.filter(id=user.id, first_name=user.first_name, last_name=user.last_name)
        # MySQL/MariaDB count only the rows an UPDATE changed: writing the same values again is no race.
        if not await same_names.update(**columns) and not await same_names.exists():
            field = "firstName" if "first_name" in fields.user else "lastName"
            raise Conflict("Another request changed the name at the same moment; try again.", field=field)
    elif columns:
        await User.filter(id=user.id).update(**columns)
    if password_hash is not None:
        await credentials.set_password(user=user, password_hash=password_hash, field="providedOldPassword")
    if fields.profile:
        await UserProfile.filter(user_id=user.id).update(**fields.profile)
