"""Output types of two-factor sign-in."""

from __future__ import annotations

import strawberry


@strawberry.type(
    description="A new authenticator-app secret, shown once: scan qrCodeSvg or type secret into the app, then "
    "send its current code to confirmTwoFactor. The secret is never returned again."
)
class TwoFactorSetup:
    secret: str = strawberry.field(description="The TOTP secret in base32 (RFC 6238: SHA-1, 6 digits, 30 s).")
    otpauth_uri: str = strawberry.field(
        description="The otpauth://totp/ URI with the issuer (TOTP_ISSUER) and the userName, as apps import it."
    )
    qr_code_svg: str = strawberry.field(description="otpauthUri as a QR code: an inline SVG element.")
