"""Fixtures of the processes tier: ``browser``, Debian's Chromium (tests/support/browser.py)."""

from tests.support.browser import browser

__all__ = ["browser"]
