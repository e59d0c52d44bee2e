"""Parsing the Authorization header: web.authentication.bearer_token."""

from __future__ import annotations

import pytest

from services.errors import Unauthenticated
from web.authentication import bearer_token


def test_no_header_means_no_token() -> None:
    assert bearer_token(None) is None


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer abc", id="canonical"),
        pytest.param("bearer abc", id="lower-case-scheme"),
        pytest.param("BEARER abc", id="upper-case-scheme"),
        pytest.param("  Bearer abc  ", id="outer-whitespace"),
        pytest.param("Bearer   abc", id="several-spaces"),
    ],
)
def test_bearer_header_yields_the_token(header: str) -> None:
    assert bearer_token(header) == "abc"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="scheme-only"),
        pytest.param("Bearer ", id="scheme-and-space"),
        pytest.param("Basic abc", id="basic-scheme"),
        pytest.param("abc", id="token-only"),
        pytest.param("Bearer a b", id="two-tokens"),
        pytest.param("Bearerabc", id="no-separator"),
    ],
)
def test_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        bearer_token(header)
    assert caught.value.code == "UNAUTHENTICATED"
    assert "Bearer" in caught.value.message
