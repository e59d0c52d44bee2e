"""Sign-in with an OpenID Connect provider (or GitHub): the accounts' links to a provider's subjects, and the
server-side state of each sign-in under way (services/identity/providers.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.user import EMAIL_MAX, URL_MAX, User

PROVIDER_NAME_MAX = 32
SUBJECT_MAX = 255  # OIDC Core: a sub is at most 255 ASCII characters


class ProviderLink(Model):
    """One account's identity at one provider.

    The provider's ``sub`` (GitHub: the user's numeric id), never an email address, is what a later sign-in is
    matched by."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="provider_links", on_delete=fields.OnDelete.CASCADE
    )
    user_id: int
    provider = fields.CharField(max_length=PROVIDER_NAME_MAX)
    subject = fields.CharField(max_length=SUBJECT_MAX)
    email = fields.CharField(max_length=EMAIL_MAX, null=True)  # as the provider said at linking, for the owner
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "provider_links"
        unique_together = (("provider", "subject"), ("user", "provider"))


class ProviderSignIn(Model):
    """One provider sign-in (or link) under way.

    Its state, nonce and PKCE verifier are kept here rather than in the browser; once the provider answered,
    the one-time code the front end trades for tokens (or for the link), together with the state: the code is
    honoured only from the browser that started the flow (the front end kept the state).

    The state and the code are stored as keyed hashes and each is consumed by one conditional UPDATE.
    """

    id = fields.BigIntField(primary_key=True)
    provider = fields.CharField(max_length=PROVIDER_NAME_MAX)
    state_hash = fields.CharField(max_length=64, unique=True)
    nonce = fields.CharField(max_length=64)
    code_verifier = fields.CharField(max_length=128)
    redirect_to = fields.CharField(max_length=URL_MAX)
    # linkProvider: the signed-in account the provider's identity is linked to; null for a sign-in.
    link_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="provider_link_requests", null=True, on_delete=fields.OnDelete.CASCADE
    )
    link_user_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    state_used_at = fields.DatetimeField(null=True)
    # After the callback: the account signed in, and the one-time code's hash (single use, until code_expires_at).
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="provider_sign_ins", null=True, on_delete=fields.OnDelete.CASCADE
    )
    user_id: int | None
    code_hash = fields.CharField(max_length=64, null=True, unique=True)
    code_expires_at = fields.DatetimeField(null=True)
    code_used_at = fields.DatetimeField(null=True)
    # A link, after the callback: the provider's identity, linked only when finishProviderLink comes with the
    # state and the token of link_user.
    link_subject = fields.CharField(max_length=SUBJECT_MAX, null=True)
    link_email = fields.CharField(max_length=EMAIL_MAX, null=True)

    class Meta:
        table = "provider_sign_ins"
