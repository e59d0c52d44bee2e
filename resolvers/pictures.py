"""Profile pictures people upload (GraphQL multipart request spec) and remove."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from resolvers.arguments import Auth
from schema.context import Context
from schema.types import User
from services.accounts.managed import managed_account
from services.media import profile_images

PictureFile = Annotated[
    Upload,
    strawberry.argument(
        description="The picture: a JPEG, PNG, WebP or GIF (its first frame), judged by its content, at most "
        "MEDIA_MAX_BYTES (8 MB by default) and MEDIA_MAX_PIXELS pixels. Sent as a GraphQL multipart request "
        "(Apollo Upload Client, urql), with an Apollo-Require-Preflight header."
    ),
]
PictureOwner = Annotated[
    str | None,
    strawberry.argument(description="Whose picture: yourself when left out; an admin may name anyone (any case)."),
]
REFUSALS = (
    "Errors: UNAUTHENTICATED (no, malformed, expired or revoked token), NOT_FOUND (no such user, or one hidden "
    "from the caller), FORBIDDEN (another user's account)"
)


async def _picture_bytes(file: Any, info: Info[Context, Any]) -> bytes:
    """The upload's bytes: a multipart file part (read in chunks, refused past MEDIA_MAX_BYTES), or the REST
    door's body (bytes, read under the same cap)."""
    if isinstance(file, bytes):
        return file
    stream = getattr(file, "file", file)
    return await profile_images.read_upload(stream, info.context.settings)


@strawberry.type
class PictureMutation:
    @strawberry.mutation(
        permission_classes=Auth,
        description="Upload a profile picture (PUT /api/users/{userName}/profile-image takes the raw bytes): a "
        "JPEG, PNG, WebP or GIF of at most MEDIA_MAX_BYTES (8 MB by default) and MEDIA_MAX_PIXELS pixels (40 "
        "million). Checked before anything is stored, then stored re-encoded (no EXIF or location; orientation "
        "applied; a square center crop at 400, 128 and 48 px) under a new unguessable name; the picture or URL it "
        "replaces goes. Read it with profileImage(size:). " + REFUSALS + ", IMAGE_TOO_LARGE (too many bytes), "
        "IMAGE_TOO_MANY_PIXELS (too many pixels), IMAGE_UNSUPPORTED (not a JPEG, PNG, WebP or GIF by its "
        "content: an SVG, a document, ...), IMAGE_UNREADABLE (damaged, truncated, or with data after the picture's "
        "end); extensions.field is file.",
    )
    async def set_profile_image(
        self, info: Info[Context, Any], file: PictureFile, user_name: PictureOwner = None
    ) -> User:
        target = await managed_account(await info.context.require_user(), user_name)
        data = await _picture_bytes(file, info)
        user = await profile_images.set_picture(user_id=target.id, data=data, settings=info.context.settings)
        return User.from_model(user)

    @strawberry.mutation(
        permission_classes=Auth,
        description="Remove the profile picture (an uploaded one, whose files go, or an external URL): "
        "profileImage reads null. " + REFUSALS + ".",
    )
    async def remove_profile_image(self, info: Info[Context, Any], user_name: PictureOwner = None) -> User:
        target = await managed_account(await info.context.require_user(), user_name)
        user = await profile_images.remove_picture(user_id=target.id, settings=info.context.settings)
        return User.from_model(user)
