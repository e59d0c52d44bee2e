"""Output types: ``User``, ``UserProfile`` and the mutation payloads."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.types import Info

from models import User as UserModel
from models import UserProfile as ProfileModel
from schema import social
from schema.context import Context
from schema.nodes import Node, global_id
from schema.pagination import FIRST_DEFAULT, After, First, PageInfo, encode_cursor
from schema.social import Relationship, UserConnection, UserEdge
from services.errors import InvalidInput
from services.media import profile_images
from services.people import lists

MAX_PICTURE_SIZE = 4096
PRIVATE = " Visible only to the user itself and to admins; null for anyone else."
T = TypeVar("T")


def shown_to_owner(
    info: Info[Context, Any], owner_id: int, value: T, *, seen_by_owner: bool
) -> T | Awaitable[T | None] | None:
    """``value`` if the caller may see ``owner_id``'s private fields, else None.

    Not a coroutine: the caller is nearly always loaded by the time a field of a user resolves (the field
    that returned the user asked for it), and then this answers at once; otherwise it returns an awaitable.
    """
    if seen_by_owner:
        return value
    allowed = info.context.may_see_private_now(owner_id)
    if allowed is None:
        return _shown_later(info, owner_id, value)
    return value if allowed else None


async def _shown_later(info: Info[Context, Any], owner_id: int, value: T) -> T | None:
    return value if await info.context.may_see_private(owner_id) else None


@strawberry.type(
    description="Settings and extra details of a user, one per user; readable by any signed-in user but for "
    "pushNotifications, a personal setting."
)
class UserProfile:
    website: str | None = strawberry.field(description="Personal website (http or https URL).")
    gender: str | None = strawberry.field(description="Gender, at most 20 characters.")
    account_privacy: bool = strawberry.field(
        description="The private-account flag. Default false. A private account approves each follower (follow "
        "makes a request) and shows its followers and following lists only to its owner, approved followers and "
        "admins; turning it off approves every pending request. Names, bio, image, counts and verified stay "
        "visible to every signed-in user."
    )
    verified: bool = strawberry.field(
        description="Whether the account is verified. Set by the service or an admin; anyone else who sends it "
        "gets FORBIDDEN."
    )

    _owner_id: strawberry.Private[int]
    _push_notifications: strawberry.Private[bool]
    _seen_by_owner: strawberry.Private[bool]

    @strawberry.field(
        description="Whether push notifications are on. Default false." + PRIVATE, graphql_type=bool | None
    )
    def push_notifications(self, info: Info[Context, Any]) -> bool | Awaitable[bool | None] | None:
        return shown_to_owner(info, self._owner_id, self._push_notifications, seen_by_owner=self._seen_by_owner)

    @classmethod
    def from_model(cls, profile: ProfileModel, *, owner_id: int, seen_by_owner: bool) -> UserProfile:
        return cls(
            website=profile.website,
            gender=profile.gender,
            account_privacy=profile.account_privacy,
            verified=profile.verified,
            _owner_id=owner_id,
            _push_notifications=profile.push_notifications,
            _seen_by_owner=seen_by_owner,
        )


@strawberry.type(
    description="A user account. Any signed-in user may read it; email, emailVerified, phoneNumber, isAdmin, "
    "twoFactorEnabled and profile.pushNotifications only its owner and admins (anyone else reads null, never an "
    "error). Client caches key it by id (a global id: node(id:) fetches it again)."
)
class User(Node):
    user_id: strawberry.ID = strawberry.field(name="userID", description="Server-assigned unique id.")
    user_name: str = strawberry.field(description="Unique user name (1-25 of A-Z a-z 0-9 _ .), case-insensitive.")
    first_name: str = strawberry.field(description="First name, at most 50 characters; empty if not given.")
    last_name: str = strawberry.field(description="Last name, at most 50 characters; empty if not given.")
    bio: str | None = strawberry.field(description="Short biography, at most 200 characters.")
    followers_count: int = strawberry.field(
        description="Number of followers: always the number of entries the user sees in its own followers list "
        "(deactivated and suspended accounts left out), the same for every viewer. A viewer's followers list, and "
        "its totalCount, also leave out users who block the viewer."
    )
    following_count: int = strawberry.field(
        description="Number of accounts this user follows: always the number of entries in its own following list "
        "(deactivated and suspended accounts left out), the same for every viewer, as followersCount."
    )
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    account_deleted: bool = strawberry.field(description="Soft-delete flag (deleteUser removes accounts outright).")
    profile: UserProfile = strawberry.field(description="The user's profile settings.")
    _id: strawberry.Private[int]
    _profile_image: strawberry.Private[str | None]
    _profile_image_key: strawberry.Private[str | None]
    _email: strawberry.Private[str | None]
    _email_verified: strawberry.Private[bool]
    _phone_number: strawberry.Private[str | None]
    _seen_by_owner: strawberry.Private[bool]  # set where the caller has just proven to be this user

    _is_admin: strawberry.Private[bool]
    _two_factor_enabled: strawberry.Private[bool]
    _email_proven: strawberry.Private[bool] = False  # verifyEmail's answer: its token proved emailVerified

    def _private(self, info: Info[Context, Any], value: T) -> T | Awaitable[T | None] | None:
        return shown_to_owner(info, self._id, value, seen_by_owner=self._seen_by_owner)

    @strawberry.field(
        description="Absolute URL of the profile picture: one uploaded with setProfileImage (a square WebP, or "
        "JPEG, at the nearest stored size >= size: 48, 128 or 400 px; the largest without size) or an external "
        "http(s) URL set with updateProfile (as sent; size does not apply). Null when there is none."
    )
    def profile_image(
        self,
        info: Info[Context, Any],
        size: Annotated[
            int | None,
            strawberry.argument(description="Wanted width and height in px (1-4096); the nearest stored size >= it."),
        ] = None,
    ) -> str | None:
        if self._profile_image_key is None:
            return self._profile_image
        if size is not None and not 1 <= size <= MAX_PICTURE_SIZE:
            raise InvalidInput(f"size must be between 1 and {MAX_PICTURE_SIZE}.", field="size")
        context = info.context
        return profile_images.picture_url(
            self._profile_image_key, size, context.settings, str(context.request.base_url)
        )

    @strawberry.field(
        description="Email address, normalised (domain in lower case)." + PRIVATE, graphql_type=str | None
    )
    def email(self, info: Info[Context, Any]) -> str | Awaitable[str | None] | None:
        return self._private(info, self._email)

    @strawberry.field(
        description="Whether the email address was proven with a mailed token (verifyEmail or resetPassword); "
        "false after an email change." + PRIVATE,
        graphql_type=bool | None,
    )
    def email_verified(self, info: Info[Context, Any]) -> bool | Awaitable[bool | None] | None:
        if self._email_proven:
            return self._email_verified
        return self._private(info, self._email_verified)

    @strawberry.field(description="Phone number in E.164 form, e.g. +1234567890." + PRIVATE, graphql_type=str | None)
    def phone_number(self, info: Info[Context, Any]) -> str | Awaitable[str | None] | None:
        return self._private(info, self._phone_number)

    @strawberry.field(description="Whether the user is an admin." + PRIVATE, graphql_type=bool | None)
    def is_admin(self, info: Info[Context, Any]) -> bool | Awaitable[bool | None] | None:
        return self._private(info, self._is_admin)

    @strawberry.field(
        description="The signed-in viewer's relation to this user; null when the user is the viewer.",
        graphql_type=Relationship | None,
    )
    def viewer_relationship(self, info: Info[Context, Any]) -> Relationship | Awaitable[Relationship | None] | None:
        # Not async: on a page that read the relations with its users (most lists) this answers at once,
        # sparing graphql-core an awaitable per entry; elsewhere it returns one. The schema runs
        # resolve_viewer_relationship in its place (install_lean_resolvers); this is its declaration.
        return social.viewer_relationship(info.context, self._id, seen_by_owner=self._seen_by_owner)

    @strawberry.field(
        description="Who follows this user, newest first. A private account's list is visible only to its owner, "
        "its approved followers and admins: anyone else reads null (no error; profile.accountPrivacy and "
        "viewerRelationship tell why). Errors: BAD_USER_INPUT (first out of range, or a cursor of another list)."
    )
    async def followers(
        self, info: Info[Context, Any], first: First = FIRST_DEFAULT, after: After = None
    ) -> UserConnection | None:
        found = await social.follow_page(
            info,
            "followers",
            owner_id=self._id,
            private=self.profile.account_privacy,
            seen_by_owner=self._seen_by_owner,
            first=first,
            after=after,
            edges=Edges.of_kind("followers"),
        )
        return None if found is None else edge_connection(found[0], has_next=found[1], after=after, total=found[2])

    @strawberry.field(
        description="Whom this user follows, newest first. Visible as followers is (private accounts: owner, "
        "approved followers and admins; anyone else reads null, no error). "
        "Errors: BAD_USER_INPUT (first out of range, or a cursor of another list)."
    )
    async def following(
        self, info: Info[Context, Any], first: First = FIRST_DEFAULT, after: After = None
    ) -> UserConnection | None:
        found = await social.follow_page(
            info,
            "following",
            owner_id=self._id,
            private=self.profile.account_privacy,
            seen_by_owner=self._seen_by_owner,
            first=first,
            after=after,
            edges=Edges.of_kind("following"),
        )
        return None if found is None else edge_connection(found[0], has_next=found[1], after=after, total=found[2])

    @strawberry.field(
        description="Whether the user signs in with a second factor (an authenticator app)." + PRIVATE,
        graphql_type=bool | None,
    )
    def two_factor_enabled(self, info: Info[Context, Any]) -> bool | Awaitable[bool | None] | None:
        return self._private(info, self._two_factor_enabled)

    @classmethod
    def from_model(cls, user: UserModel, *, seen_by_owner: bool = False, email_proven: bool = False) -> User:
        """``user.profile`` must have been loaded (select_related) with the user. ``email_proven``: the caller
        just proved it reads the user's mail (verifyEmail), so it may see emailVerified, and only that."""
        profile = user.profile
        return cls.from_columns(
            *(getattr(user, column) for column in _USER_FIELDS),
            *(getattr(profile, column) for column in _PROFILE_FIELDS),
            seen_by_owner=seen_by_owner,
            email_proven=email_proven,
        )

    @classmethod
    def from_columns(
        cls,
        user_id: int,
        user_name: str,
        first_name: str,
        last_name: str,
        bio: str | None,
        followers_count: int,
        following_count: int,
        created_at: datetime,
        account_deleted: bool,
        profile_image: str | None,
        profile_image_key: str | None,
        email: str | None,
        email_verified: bool,
        phone_number: str | None,
        is_admin: bool,
        two_factor_enabled: bool,
        website: str | None,
        gender: str | None,
        account_privacy: bool,
        verified: bool,
        push_notifications: bool,
        *,
        seen_by_owner: bool = False,
        email_proven: bool = False,
    ) -> User:
        """The user of a row of ``USER_COLUMNS``, in their order (a page read straight into users: no model
        instance); see from_model for the flags."""
        return cls(
            id=global_id("User", user_id),
            user_id=strawberry.ID(str(user_id)),
            user_name=user_name,
            first_name=first_name,
            last_name=last_name,
            bio=bio,
            followers_count=followers_count,
            following_count=following_count,
            created_at=created_at,
            account_deleted=account_deleted,
            profile=UserProfile(
                website=website,
                gender=gender,
                account_privacy=account_privacy,
                verified=verified,
                _owner_id=user_id,
                _push_notifications=push_notifications,
                _seen_by_owner=seen_by_owner,
            ),
            _id=user_id,
            _profile_image=profile_image,
            _profile_image_key=profile_image_key,
            _email=email,
            _email_verified=email_verified,
            _phone_number=phone_number,
            _seen_by_owner=seen_by_owner,
            _is_admin=is_admin,
            _two_factor_enabled=two_factor_enabled,
            _email_proven=email_proven,
        )


# What User.from_columns takes, in its order: the user's fields, then its profile's.
_USER_FIELDS = (
    "id",
    "user_name",
    "first_name",
    "last_name",
    "bio",
    "followers_count",
    "following_count",
    "created_at",
    "account_deleted",
    "profile_image",
    "profile_image_key",
    "email",
    "email_verified",
    "phone_number",
    "is_admin",
    "two_factor_enabled",
)
_PROFILE_FIELDS = ("website", "gender", "account_privacy", "verified", "push_notifications")
USER_COLUMNS = (*_USER_FIELDS, *(f"profile__{field}" for field in _PROFILE_FIELDS))


def resolve_viewer_relationship(user: User, info: GraphQLResolveInfo[Context]) -> Any:
    """``User.viewerRelationship`` as graphql-core calls it: what ``User.viewer_relationship`` answers, without
    Strawberry's per-call set-up (an ``Info``, argument conversion, the extension chain), one per entry of
    every page. Right for this field only: it takes no arguments and has no permission classes or field
    extensions (schema extensions still wrap it: they are graphql-core middleware)."""
    return social.viewer_relationship(info.context, user._id, seen_by_owner=user._seen_by_owner)


def install_lean_resolvers(core: GraphQLSchema) -> None:
    """Put ``resolve_viewer_relationship`` in graphql-core's schema (``schema.core.core_schema``)."""
    user = core.get_type("User")
    if not isinstance(user, GraphQLObjectType) or "viewerRelationship" not in user.fields:
        raise RuntimeError("the schema has no User.viewerRelationship to resolve")
    field = user.fields["viewerRelationship"]
    if field.args:
        raise RuntimeError("User.viewerRelationship takes arguments now: resolve_viewer_relationship ignores them")
    field.resolve = resolve_viewer_relationship


class Edges:
    """How the entries of a list of ``kind`` become edges (schema.social.EdgeMaker): ``made`` from a page's
    columns (``position``, then ``since`` where the list is ``dated``, then ``USER_COLUMNS``), ``of`` from a
    model entry. One per kind (``Edges.of_kind``)."""

    columns = USER_COLUMNS

    def __init__(self, kind: str, *, dated: bool) -> None:
        self._kind = kind
        self._dated = dated

    @classmethod
    @functools.cache
    def of_kind(cls, kind: str, *, dated: bool = True) -> Edges:
        return cls(kind, dated=dated)

    def made(self, position: Any, *values: Any) -> UserEdge:
        since = values[0] if self._dated else None
        node = User.from_columns(*values[1:]) if self._dated else User.from_columns(*values)
        return UserEdge(cursor=encode_cursor(self._kind, position), node=node, followed_at=since, node_id=node._id)

    def of(self, entry: lists.Entry) -> UserEdge:
        return UserEdge(
            cursor=encode_cursor(self._kind, entry.position),
            node=User.from_model(entry.user),
            followed_at=entry.since if self._dated else None,
            node_id=entry.user.id,
        )


def connection(
    page: lists.Page, *, kind: str, after: str | None, total: Callable[[], Awaitable[int]], dated: bool = True
) -> UserConnection:
    """The connection of a page of model entries."""
    edges = Edges.of_kind(kind, dated=dated)
    return edge_connection(
        [edges.of(entry) for entry in page.entries], has_next=page.has_next, after=after, total=total
    )


def edge_connection(
    edges: list[UserEdge], *, has_next: bool, after: str | None, total: Callable[[], Awaitable[int]]
) -> UserConnection:
    cursors = [edge.cursor for edge in edges]
    return UserConnection(edges=edges, page_info=PageInfo.of(cursors, has_next=has_next, after=after), _total=total)


@strawberry.type(
    description="A signed-in session: send accessToken as 'Authorization: Bearer <accessToken>'; "
    "when it expires, trade refreshToken for a new pair with the refreshToken mutation (in cookie mode, with "
    "POST /auth/refresh)."
)
class AuthPayload:
    access_token: str = strawberry.field(description="A JWT access token.")
    token_type: str = strawberry.field(description='Always "Bearer".')
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    refresh_token: str | None = strawberry.field(
        description="A single-use refresh token. Keep it secret; using one twice revokes the session. Null on a "
        "server in cookie mode (AUTH_COOKIES=true): the response set it in an HttpOnly cookie instead, which "
        "POST /auth/refresh and POST /auth/logout read (README: Browser sessions)."
    )
    refresh_expires_in: int = strawberry.field(
        description="Seconds until the refresh token expires; never past the end of its session, which lasts "
        "at most SESSION_MAX_AGE (90 days by default) from sign-in however often it is refreshed."
    )
    user: User = strawberry.field(description="The signed-in user.")


@strawberry.type(description="The account that deleteUser removed.")
class DeleteUserPayload:
    user_id: strawberry.ID = strawberry.field(name="userID", description="Id the account had.")
    user_name: str = strawberry.field(description="User name the account had.")
