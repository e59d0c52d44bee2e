"""The successor of a refresh token (services/identity/refresh_successors.py): the same for the same parent and
secret, so any worker can give a racing tab the token its twin got; unguessable without the secret."""

from __future__ import annotations

import re
import secrets

from services.identity.refresh_successors import successor

SECRET = "test-only-secret-never-used-outside-the-test-suite"


def test_the_same_parent_and_secret_give_the_same_successor() -> None:
    parent = secrets.token_urlsafe(32)

    assert successor(parent, SECRET) == successor(parent, SECRET)


def test_a_successor_looks_like_a_random_refresh_token() -> None:
    parent = secrets.token_urlsafe(32)

    child = successor(parent, SECRET)

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", child)  # 256 bits of base64url, like secrets.token_urlsafe(32)
    assert child != parent


def test_another_parent_or_secret_gives_another_successor() -> None:
    parent = secrets.token_urlsafe(32)

    others = {successor(secrets.token_urlsafe(32), SECRET), successor(parent, SECRET + "-rotated")}

    assert successor(parent, SECRET) not in others
    assert len(others) == 2


def test_the_chain_never_repeats_a_token() -> None:
    chain = [secrets.token_urlsafe(32)]
    for _ in range(100):
        chain.append(successor(chain[-1], SECRET))

    assert len(set(chain)) == len(chain)
