"""What an export archive holds, read from the database (``gather``), and the zip itself (``archive``, plain CPU
work for a thread: never on the event loop).

Only what the account's owner may know about it goes in, never a secret: no password hash, no refresh-token,
one-time-token or recovery-code hash, no TOTP secret, no passkey credential id or public key, no provider
subject. Passkeys and provider links are listed by name and dates only. README, "Download my data", documents
each file and field; the format is versioned by account.json's ``format``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from models import Block, Follow, Passkey, ProviderLink, SecurityEvent, Session, User, UserProfile

FORMAT = 1
PICTURE_NAMES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
PICTURE = "profile-image"

README = """\
Your data from {source}, exported {exported_at} for the account {user_name}.

Every time is UTC, in ISO 8601. The JSON files are described in the server's README, section
"Download my data"; in short:

account.json          your account (names, email, phone, dates, status), your profile (bio, picture URL
                      or its file in this archive, website, gender), your settings (private account, push
                      notifications), and how you sign in: password or not, two-factor sign-in on or off,
                      your passkeys and the sign-in providers linked to the account, by name and dates only.
sessions.json         your sign-ins (sessions): when, how, from which address and browser, when they ended.
security_events.json  your account's history: sign-ins, failed sign-ins, password and email changes, ...
follows.json          the accounts you follow, and since when.
followers.json        the accounts that follow you, and since when.
follow_requests.json  follow requests waiting for an answer: "incoming" (to you) and "outgoing" (yours).
blocks.json           the accounts you block, and since when.
following.csv         follows.json as a spreadsheet: userName, followedAt.
followers.csv         followers.json as a spreadsheet: userName, followedAt.
{picture_line}
No password, token, code or key is in this archive: the server keeps those only as hashes or encrypted,
and they are not yours to take elsewhere. Keep this archive safe all the same: it is about you.
"""


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # a backend that hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _external_url(value: str | None) -> str | None:
    """profileImage when it is a URL the account set (an uploaded picture goes in the archive as a file)."""
    return value if value and value.startswith(("http://", "https://")) else None


async def _account(user: User, profile: UserProfile | None, picture_file: str | None) -> dict[str, object]:
    passkeys = await Passkey.filter(user_id=user.id).order_by("id").values_list("name", "created_at", "last_used_at")
    links = await ProviderLink.filter(user_id=user.id).order_by("id").values_list("provider", "created_at")
    return {
        "format": FORMAT,
        "account": {
            "userID": str(user.id),
            "userName": user.user_name,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "email": user.email,
            "emailVerified": user.email_verified,
            "phoneNumber": user.phone_number,
            "createdAt": iso(user.created_at),
            "isAdmin": user.is_admin,
            "deactivatedAt": iso(user.deactivated_at),
            "suspendedAt": iso(user.suspended_at),
            "followersCount": user.followers_count,
            "followingCount": user.following_count,
        },
        "profile": {
            "bio": user.bio,
            # An uploaded picture: the archive's file of it (its URL is the server's, not the owner's to keep).
            "profileImage": picture_file or _external_url(user.profile_image),
            "website": profile.website if profile else None,
            "gender": profile.gender if profile else None,
            "verified": profile.verified if profile else False,
        },
        "settings": {
            "accountPrivacy": profile.account_privacy if profile else False,
            "pushNotifications": profile.push_notifications if profile else False,
        },
        "signInMethods": {
            "password": bool(user.password_hash),
            "twoFactorEnabled": user.two_factor_enabled,
            "passkeys": [
                {"name": name, "createdAt": iso(created), "lastUsedAt": iso(used)} for name, created, used in passkeys
            ],
            "linkedProviders": [{"provider": provider, "linkedAt": iso(linked)} for provider, linked in links],
        },
    }


async def _sessions(user_id: int) -> list[dict[str, object]]:
    rows = await Session.filter(user_id=user_id).order_by("created_at")
    return [
        {
            "signedInAt": iso(row.created_at),
            "signInMethod": row.method,
            "lastUsedAt": iso(row.last_used_at),
            "expiresAt": iso(row.expires_at),
            "endedAt": iso(row.revoked_at),
            "endReason": row.end_reason,
            "ipAddress": row.ip_address,
            "userAgent": row.user_agent,
        }
        for row in rows
    ]


async def _security_events(user_id: int) -> list[dict[str, object]]:
    rows = await SecurityEvent.filter(user_id=user_id).order_by("id")
    return [
        {"kind": row.kind, "at": iso(row.at), "ipAddress": row.ip_address, "userAgent": row.user_agent} for row in rows
    ]


def _people(rows: Iterable[tuple[str, datetime]], when: str) -> list[dict[str, object]]:
    return [{"userName": name, when: iso(moment)} for name, moment in rows]


async def _following(user_id: int, *, accepted: bool) -> list[dict[str, object]]:
    rows = (
        await Follow.filter(follower_id=user_id, accepted=accepted)
        .order_by("id")
        .values_list("followee__user_name", "created_at")
    )
    return _people(rows, "followedAt" if accepted else "requestedAt")


async def _followers(user_id: int, *, accepted: bool) -> list[dict[str, object]]:
    rows = (
        await Follow.filter(followee_id=user_id, accepted=accepted)
        .order_by("id")
        .values_list("follower__user_name", "created_at")
    )
    return _people(rows, "followedAt" if accepted else "requestedAt")


async def _blocks(user_id: int) -> list[dict[str, object]]:
    rows = await Block.filter(blocker_id=user_id).order_by("id").values_list("blocked__user_name", "created_at")
    return _people(rows, "blockedAt")


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _csv(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    return text.getvalue().encode("utf-8")


async def gather(
    user: User, *, source: str, exported_at: datetime, picture: tuple[bytes, str] | None
) -> dict[str, bytes]:
    """Every file of ``user``'s archive, by name; ``source`` names this server (its address) in README.txt,
    ``picture`` is the uploaded profile picture (bytes, content type), if any (services/exports/picture.py)."""
    profile = await UserProfile.filter(user_id=user.id).first()
    following = await _following(user.id, accepted=True)
    followers = await _followers(user.id, accepted=True)
    picture_file = None
    if picture is not None:
        picture_file = f"{PICTURE}.{PICTURE_NAMES.get(picture[1], 'bin')}"
    files = {
        "account.json": _json(await _account(user, profile, picture_file)),
        "sessions.json": _json(await _sessions(user.id)),
        "security_events.json": _json(await _security_events(user.id)),
        "follows.json": _json(following),
        "followers.json": _json(followers),
        "follow_requests.json": _json(
            {
                "incoming": await _followers(user.id, accepted=False),
                "outgoing": await _following(user.id, accepted=False),
            }
        ),
        "blocks.json": _json(await _blocks(user.id)),
        "following.csv": _csv(following, ("userName", "followedAt")),
        "followers.csv": _csv(followers, ("userName", "followedAt")),
    }
    picture_line = ""
    if picture is not None and picture_file is not None:
        files[picture_file] = picture[0]
        picture_line = f"{picture_file:<22}your profile picture, at the size you uploaded it.\n"
    readme = README.format(
        source=source,
        exported_at=iso(exported_at),
        user_name=user.user_name,
        picture_line=picture_line,
    )
    return {"README.txt": readme.encode("utf-8"), **files}


def archive(files: Mapping[str, bytes], *, made_at: datetime) -> bytes:
    """The zip of ``files`` (CPU work: call it in a thread)."""
    stamp = made_at.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zipped.writestr(info, data)
    return buffer.getvalue()
