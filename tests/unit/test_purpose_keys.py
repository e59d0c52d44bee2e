"""What each keyed hash derived from JWT_SECRET gives for fixed inputs, pinned: the database and the picture store
hold these values (hashes of sign-in codes and links, of mailed and download tokens, of provider sign-in states
and codes, refresh-token successors, picture file names), so a change to how a key is derived would orphan every
one of them at the next deploy. The values were computed with each site's own copy of the derivation, before
the copies became one function; the second secret is not ASCII, so the secret's encoding (UTF-8) is pinned too.

The private digest functions are called on purpose: they are what writes the stored values, and the values
they are given in production (random codes and tokens) cannot be fixed from outside.
"""

from __future__ import annotations

import pytest

from services.exports import queue
from services.identity import one_time_tokens, providers, refresh_successors, sign_in_codes
from services.media import profile_images
from settings import Settings

ASCII = "known-answer-secret-0123456789abcdef"
UNICODE = "schlüssel-für-prüfungen-ü-ß-€-0123456789"

KNOWN = {
    ASCII: {
        "sign-in code": "8a96138d3dff18e45035cea8d36db1f3afc566220ce2a809f2586237bc6fb8c7",
        "sign-in link": "e9330585eadc0e8032f0471de3b841766381885b7e9341e8e8f2db3a620403f4",
        "one-time token": "2b5c6ff4f3a123e680076a78988dc0eea441321be7cef8b5027f33d63ef6347d",
        "export link": "38050dbaf1044bee799231f63b90e627da4f7bd87b0c0c185362d75ef9004931",
        "provider state": "a9a16496adde4c0e18f94e98c28d8e21056c7f7709aac114d0c28403c16c2c1c",
        "provider code": "b90bb48c375dc7ddf13dc33d693e86de8da635ef0f3728dad73a7c408152dab5",
        "refresh successor": "TQV1_mPqYxwCH6-AgETTTM3PRzi3xJvLTVQ9X4y5s8c",
        "picture stem": "avatars/410c649f339ae419383026187182125f.webp",
    },
    UNICODE: {
        "sign-in code": "40c8075ea50a1b0b7d96462c91b73ba4f49ce1bd0023ff98594909216c7240c0",
        "sign-in link": "cc43a6f8bf4e0ef1dfe878529baedfa47b8db5b83eb59003c929598715e2bcde",
        "one-time token": "4035b7841c8713fbbe0001dc8f2423714819daeca0a82b08299222e92520a721",
        "export link": "e2b857b23deded2bc8113496a3530a8a1f131079d38a65e5813a3a5e359ca768",
        "provider state": "fdfcb45f2d293659541c8eecec25af99776fad96b76ebabeb8b58c5db7dac53c",
        "provider code": "55ed155b5585077bc121216dc02a37950e497381db268aadc7d3048302d0bcb7",
        "refresh successor": "xBJbqZBnHFZBPKiVcXUWV1TszYGQ57q4xoGab6ZaGqM",
        "picture stem": "avatars/fa4da93138e6b5b4e2583f10ef484788.webp",
    },
}


def _stored_values(secret: str) -> dict[str, str]:
    settings = Settings(jwt_secret=secret)
    return {
        "sign-in code": sign_in_codes._code_digest("someone@example.org", "042917", settings),
        "sign-in link": sign_in_codes._token_digest("link-token-A", settings),
        "one-time token": one_time_tokens.keyed_digest("mailed-token-B", settings),
        "export link": queue.digest("export-token-C", settings),
        "provider state": providers._digest("state", "state-D", settings),
        "provider code": providers._digest("code", "code-E", settings),
        "refresh successor": refresh_successors.successor("parent-token-F", secret),
        "picture stem": profile_images.stem_for(7, b"\x89PNG picture bytes\x00\xff", "webp", settings),
    }


@pytest.mark.parametrize("secret", [ASCII, UNICODE])
def test_every_stored_keyed_hash_is_what_it_was(secret: str) -> None:
    assert _stored_values(secret) == KNOWN[secret]


def test_a_mailed_token_and_a_download_token_are_hashed_under_different_keys() -> None:
    """Both hash the token alone, so only their keys (purposes) keep a token of one from matching the other's hash."""
    settings = Settings(jwt_secret=ASCII)

    assert one_time_tokens.keyed_digest("the-same-token", settings) != queue.digest("the-same-token", settings)
