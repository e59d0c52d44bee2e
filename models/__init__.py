"""Tortoise models. The app label is ``models``; Tortoise discovers them from this module."""

from models.data_export import DataExport
from models.mail import OneTimeToken, OutboxMail
from models.passkey import Passkey, PasskeyChallenge
from models.provider_link import ProviderLink, ProviderSignIn
from models.security_event import SecurityEvent
from models.session import RefreshToken, Session
from models.sign_in_code import SignInCode
from models.signing_key import SigningKey
from models.social import Block, Follow
from models.two_factor import RecoveryCode, TwoFactorSecret
from models.user import User, UserProfile
from models.webhook import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "Block",
    "DataExport",
    "Follow",
    "OneTimeToken",
    "OutboxMail",
    "Passkey",
    "PasskeyChallenge",
    "ProviderLink",
    "ProviderSignIn",
    "RecoveryCode",
    "RefreshToken",
    "SecurityEvent",
    "Session",
    "SignInCode",
    "SigningKey",
    "TwoFactorSecret",
    "User",
    "UserProfile",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
