"""Profile pictures people upload: stored re-encoded (services/media/images.py) under content-addressed,
unguessable names, read back by URL at the nearest size, replaced and removed with their files.

A picture's files share a stem, ``avatars/<name>.<ext>``: ``avatars/<name>/400.<ext>``, ``128``, ``48`` and
``original``. ``<name>`` is an HMAC-SHA-256 of the owner's id and the uploaded bytes under a key derived from
JWT_SECRET: the same upload by the same account names the same files, no one can guess another's, and two
accounts never share a file (deleting one's never touches the other's). The files are written before the row
names them and deleted only after the row that named them no longer does (after its commit).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import IO

from models import User
from services.errors import NotFound
from services.identity.purpose_keys import purpose_key
from services.media import images
from services.media.pictures_storage import base_url, storage_for
from services.transactions import transaction
from services.webhooks import payloads
from services.webhooks.events import emit
from settings import Settings

log = logging.getLogger("media")

PREFIX = "avatars/"
NAME_HEX = 32
STORED = (*(str(size) for size in images.SIZES), images.ORIGINAL)
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}


def stem_for(user_id: int, data: bytes, extension: str, settings: Settings) -> str:
    key = purpose_key(settings.jwt_secret, b"profile-picture-names")
    digest = hmac.new(key, str(user_id).encode() + b"\0" + data, hashlib.sha256).hexdigest()
    return f"{PREFIX}{digest[:NAME_HEX]}.{extension}"


def file_key(stem: str, rendition: str) -> str:
    """``avatars/<name>.webp`` and ``128`` -> ``avatars/<name>/128.webp``."""
    name, _, extension = stem.rpartition(".")
    return f"{name}/{rendition}.{extension}"


def content_type_of(key: str) -> str | None:
    return CONTENT_TYPES.get(key.rpartition(".")[2])


def nearest_size(size: int | None) -> str:
    """The stored square size for ``size``: the smallest stored >= it, else the largest (None: the largest)."""
    if size is None:
        return str(images.SIZES[0])
    fitting = [stored for stored in images.SIZES if stored >= size]
    return str(min(fitting) if fitting else images.SIZES[0])


def picture_url(stem: str, size: int | None, settings: Settings, request_base: str) -> str:
    """The absolute public URL of a stored picture at the nearest size >= ``size``."""
    key = file_key(stem, nearest_size(size))
    base = base_url(settings, request_base)
    if settings.media_s3_bucket and settings.media_base_url:  # the bucket itself (or its CDN): its own keys
        key = settings.media_s3_prefix + key
    return f"{base}/{key}"


async def read_upload(stream: IO[bytes], settings: Settings) -> bytes:
    """An uploaded file's bytes, refused (IMAGE_TOO_LARGE) while reading once past MEDIA_MAX_BYTES."""
    return await images.read_capped(stream, settings.media_max_bytes)


async def set_picture(*, user_id: int, data: bytes, settings: Settings) -> User:
    """Check and store ``data`` as ``user_id``'s picture (replacing any picture or external URL); the user."""
    done = await images.processed(
        data, max_bytes=settings.media_max_bytes, max_pixels=settings.media_max_pixels, webp=settings.media_webp
    )
    stem = stem_for(user_id, data, done.extension, settings)
    storage = storage_for(settings)
    for rendition in done.renditions:
        await storage.put(file_key(stem, rendition.name), rendition.data, content_type=done.content_type)
    try:
        old = await _replace(user_id, stem)
    except BaseException:
        await _delete_files(stem, settings, keep=None)
        raise
    if old is not None and old != stem:
        await _delete_files(old, settings, keep=stem)
    return await _user(user_id)


async def remove_picture(*, user_id: int, settings: Settings) -> User:
    """Remove ``user_id``'s uploaded picture or external URL; its files go after the change commits."""
    old = await _replace(user_id, None)
    if old is not None:
        await _delete_files(old, settings, keep=None)
    return await _user(user_id)


async def _replace(user_id: int, stem: str | None) -> str | None:
    """Point the row at ``stem`` (None: no picture), the external URL cleared; the stem it held. A change
    raises user.updated (``profileImage``) in its transaction; the same picture again, or removing none, raises
    nothing (README, "Webhook events")."""
    async with transaction():
        user = await User.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise NotFound("The user was deleted meanwhile.", field="userName")
        old = user.profile_image_key
        if old == stem and user.profile_image is None:
            return old
        await User.filter(id=user_id).update(profile_image_key=stem, profile_image=None)
        await emit("user.updated", payloads.updated(user, ["profile_image"]))
    return old


async def _user(user_id: int) -> User:
    user = await User.get_or_none(id=user_id).prefetch_related("profile")
    if user is None:
        raise NotFound("The user was deleted meanwhile.", field="userName")
    return user


async def stored_stem(user_id: int) -> str | None:
    """The stem of ``user_id``'s uploaded picture's files, or None."""
    user = await User.filter(id=user_id).only("id", "profile_image_key").first()
    return None if user is None else user.profile_image_key


async def delete_stem(stem: str | None, settings: Settings) -> None:
    """Delete a picture's files once no row names them (after the commit that made it so)."""
    if stem:
        await _delete_files(stem, settings, keep=None)


async def _delete_files(stem: str, settings: Settings, *, keep: str | None) -> None:
    if stem == keep:
        return
    storage = storage_for(settings)
    for rendition in STORED:
        try:
            await storage.delete(file_key(stem, rendition))
        except Exception:  # a store that is down leaves an orphan file, never a failed request
            log.exception("could not delete %s", file_key(stem, rendition))


async def original_image(user_id: int, settings: Settings) -> tuple[bytes, str] | None:
    """The account's uploaded picture at its original size (re-encoded, no metadata) and its content type, or
    None when it has none (an external URL is not ours to fetch). For the data export."""
    stem = await stored_stem(user_id)
    if stem is None:
        return None
    key = file_key(stem, images.ORIGINAL)
    data = await storage_for(settings).get(key)
    content_type = content_type_of(key)
    if data is None or content_type is None:
        return None
    return data, content_type


async def purge_images(user_id: int, settings: Settings) -> None:
    """Delete the account's picture files and forget them (the account purge calls this before the row goes,
    or passes the stem it read to ``delete_stem`` after)."""
    async with transaction():
        stem = await stored_stem(user_id)
        await User.filter(id=user_id).update(profile_image_key=None)
    if stem is not None:
        await _delete_files(stem, settings, keep=None)
