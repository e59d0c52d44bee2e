"""Tokens an attacker would try against a verifier, made from one of ours: tampered claims, ``alg: none``, and
HS256 signed with the public key as the HMAC secret (the algorithm-confusion attack). Made by hand on purpose:
PyJWT refuses to make the last one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
from cryptography.hazmat.primitives import serialization


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(token: str, **claims: object) -> str:
    """``token`` with ``claims`` changed and its signature kept."""
    header, _, signature = token.split(".")
    original = jwt.decode(token, options={"verify_signature": False})
    return f"{header}.{b64(json.dumps({**original, **claims}).encode())}.{signature}"


def unsigned(token: str) -> str:
    """``token``'s claims and kid with ``alg: none`` and no signature."""
    kid = jwt.get_unverified_header(token).get("kid")
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none", headers={"kid": kid} if kid else None)


def hs256_with_public_key(token: str, jwk: dict[str, object]) -> str:
    """``token``'s claims and kid, signed HS256 with the PEM of the public ``jwk`` as the secret."""
    public = jwt.PyJWK(jwk).key
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}).encode())
    payload = token.split(".")[1]
    signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"
