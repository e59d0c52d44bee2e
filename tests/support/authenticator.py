"""A small software authenticator: what a passkey in a browser would answer, built from real keys.

It reads the options JSON the server sends (as ``PublicKeyCredential.parse…OptionsFromJSON`` would) and
answers with the JSON of ``PublicKeyCredential.toJSON()``: a 'none' attestation with an ES256 (P-256) key
made with ``cryptography``, and assertions signed with it. Each field a test may want wrong is a knob:
the origin, the RP ID, the flags (user verification), the signature counter, the signing key.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, encode_cbor

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
ORIGIN = "http://localhost:5173"  # one of the development defaults of WEBAUTHN_ORIGINS


def _cose_es256(key: ec.EllipticCurvePrivateKey) -> bytes:
    numbers = key.public_key().public_numbers()
    return bytes(
        encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
    )


@dataclass
class SoftPasskey:
    """One credential of the authenticator, with its key and counter."""

    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    rp_id: str
    sign_count: int = 0

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)


@dataclass
class SoftAuthenticator:
    """Answers registration and sign-in options; ``counter_step`` 0 plays an authenticator without a counter."""

    origin: str = ORIGIN
    counter_step: int = 1
    passkeys: list[SoftPasskey] = field(default_factory=list)

    def create(
        self,
        options_json: str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool = True,
        challenge: bytes | None = None,
        again: SoftPasskey | None = None,
    ) -> str:
        """``navigator.credentials.create`` with these options, as ``credential.toJSON()`` gives it; ``again``
        answers with an existing credential (an authenticator ignoring excludeCredentials)."""
        options = json.loads(options_json)
        passkey = again or SoftPasskey(
            credential_id=secrets.token_bytes(16),
            key=ec.generate_private_key(ec.SECP256R1()),
            user_handle=base64url_to_bytes(options["user"]["id"]),
            rp_id=options["rp"]["id"],
            sign_count=self.counter_step,
        )
        client_data = self._client_data(
            "webauthn.create", challenge or base64url_to_bytes(options["challenge"]), origin
        )
        attested = (
            b"\x00" * 16  # AAGUID: none, as most passkey providers send with 'none' attestation
            + struct.pack(">H", len(passkey.credential_id))
            + passkey.credential_id
            + _cose_es256(passkey.key)
        )
        auth_data = self._auth_data(rp_id or passkey.rp_id, user_verified, passkey.sign_count, AT) + attested
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        if again is None:
            self.passkeys.append(passkey)
        return json.dumps(
            {
                "id": passkey.id,
                "rawId": passkey.id,
                "type": "public-key",
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["internal"],
                },
            }
        )

    def get(
        self,
        options_json: str,
        passkey: SoftPasskey | None = None,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool = True,
        sign_count: int | None = None,
        signing_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> str:
        """``navigator.credentials.get`` with these options (the last passkey made unless ``passkey``)."""
        options = json.loads(options_json)
        passkey = passkey or self.passkeys[-1]
        if sign_count is None:
            passkey.sign_count += self.counter_step
            sign_count = passkey.sign_count
        client_data = self._client_data("webauthn.get", base64url_to_bytes(options["challenge"]), origin)
        auth_data = self._auth_data(rp_id or options["rpId"], user_verified, sign_count, 0)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = (signing_key or passkey.key).sign(signed, ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": passkey.id,
                "rawId": passkey.id,
                "type": "public-key",
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": bytes_to_base64url(passkey.user_handle),
                },
            }
        )

    def _client_data(self, kind: str, challenge: bytes, origin: str | None) -> bytes:
        data: dict[str, Any] = {
            "type": kind,
            "challenge": bytes_to_base64url(challenge),
            "origin": origin or self.origin,
            "crossOrigin": False,
        }
        return json.dumps(data, separators=(",", ":")).encode()

    @staticmethod
    def _auth_data(rp_id: str, user_verified: bool, sign_count: int, extra_flags: int) -> bytes:
        flags = UP | (UV if user_verified else 0) | BE | BS | extra_flags
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)
