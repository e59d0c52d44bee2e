"""Webhooks: how deliveries are retried and timed out, which internal networks receivers may be on, and how long
events are kept."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_settings import NoDecode

from settings.fields import Networks, Whole, words

Waits = Annotated[tuple[Annotated[int, Field(ge=0, le=7 * 24 * 3600)], ...], NoDecode, BeforeValidator(words)]


class WebhookSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    webhook_retry_seconds: Waits = Field(
        (5, 300, 1800, 7200, 18000, 36000, 36000),
        description="waits in seconds before each retry of a webhook delivery, space separated (the Standard "
        "Webhooks schedule); when the try after the last wait fails, the delivery is `failed`",
        json_schema_extra={"shown": "5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (`5 300 1800 7200 18000 36000 36000`)"},
        max_length=30,
    )
    webhook_connect_timeout: float = Field(
        5.0, description="seconds to connect to a webhook receiver", gt=0, le=60, allow_inf_nan=False
    )
    webhook_read_timeout: float = Field(
        10.0, description="seconds a webhook receiver may take to answer", gt=0, le=120, allow_inf_nan=False
    )
    webhook_allowed_networks: Networks = Field(
        (),
        description="IPs or CIDRs webhook receivers may be at in production although private, loopback or "
        "link-local (internal receivers); others are refused",
    )
    webhook_poll_seconds: Whole = Field(
        5, description="how often the webhook worker looks for events and retries due (other instances' too)", ge=1
    )
    webhook_retention_days: Whole = Field(
        30, description="days a webhook event and its finished deliveries are kept, then deleted", ge=1
    )
