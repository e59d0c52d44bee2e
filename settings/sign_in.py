"""Two-factor sign-in (TOTP) and passkeys (WebAuthn)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from settings.fields import FernetKeys, Origins

NO_WEBAUTHN_RP_ID = (
    "WEBAUTHN_RP_ID is not set. In production passkeys need the site's domain as their relying party ID "
    "(e.g. WEBAUTHN_RP_ID=example.com); or set PASSKEYS_ENABLED=false."
)
NO_WEBAUTHN_ORIGINS = (
    "WEBAUTHN_ORIGINS is not set. In production passkeys need the origins of the pages that use them "
    "(e.g. WEBAUTHN_ORIGINS=https://app.example.com); or set PASSKEYS_ENABLED=false."
)


class SignInSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    totp_issuer: str = Field("user-service", description="the issuer authenticator apps show for two-factor sign-in")
    totp_encryption_key: FernetKeys = Field(
        (),
        description="Fernet key encrypting TOTP secrets and signing keys at rest (older keys after it, space "
        "separated, still decrypt); required in production with an asymmetric `JWT_ALGORITHM` or once anyone uses "
        "two-factor sign-in",
        repr=False,
    )
    passkeys_enabled: bool | None = Field(
        None,
        description="`true` or `false` turns passkey sign-in (WebAuthn) on or off; production needs "
        "`WEBAUTHN_RP_ID` and `WEBAUTHN_ORIGINS` with it on",
        json_schema_extra={"shown": "on; in production, on when `WEBAUTHN_RP_ID` is set"},
    )
    webauthn_rp_id: str = Field(
        "",
        description="the relying party ID of passkeys: the site's domain (e.g. `example.com`), which every origin "
        "in `WEBAUTHN_ORIGINS` must be or end in",
        json_schema_extra={"shown": "outside production `localhost`; none in production"},
    )
    webauthn_rp_name: str = Field("user-service", description="the site's name a passkey prompt shows")
    webauthn_origins: Origins = Field(
        (),
        description="the pages' origins passkeys are used from (scheme://host[:port]), space or comma separated",
        json_schema_extra={
            "shown": "outside production `http://localhost:5173` and this server's own; none in production"
        },
    )
