"""Fixtures for the domain tier: the services as the app builds them, no HTTP."""

from __future__ import annotations

import pytest

from main import create_app
from services.throttle import Throttle
from settings import Settings


@pytest.fixture
def throttle(settings: Settings) -> Throttle:
    """The throttle exactly as the app builds it from the settings (in memory: the test settings name no Redis)."""
    throttle: Throttle = create_app(settings).state.throttle
    return throttle
