"""The mail server, the links mails carry, the lifetimes of mailed tokens and the outbox's retries."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from settings.fields import Link, SmtpUrl, Whole

NO_MAIL_SERVER = (
    "SMTP_URL is not set. In production the server mails verification links, password resets and "
    "account notices; set SMTP_URL (e.g. smtp://user:pass@mail.example.com:587) and MAIL_FROM."
)


class MailSettings(BaseModel):
    """Fields of :class:`settings.Settings` (composed in settings/composed.py)."""

    smtp_url: SmtpUrl = Field(
        "",
        description="`smtp://user:pass@host:587` (STARTTLS when offered; `?starttls=required` insists) or "
        "`smtps://…:465`; required in production",
        json_schema_extra={"shown": "none: mails go to the log (development)"},
        repr=False,
    )  # carries a password
    mail_from: str = Field("user-service <no-reply@localhost>", description="the From of every mail")
    verify_email_url: Link = Field(
        "http://localhost:5173/verify-email?token={token}", description="the front end's page that calls verifyEmail"
    )
    reset_password_url: Link = Field(
        "http://localhost:5173/reset-password?token={token}",
        description="the front end's page that calls resetPassword",
    )
    sign_in_url: Link = Field(
        "http://localhost:5173/sign-in?token={token}",
        description="the front end's page that calls signInWithLink (the link of a sign-in code mail)",
    )
    undo_email_change_url: Link = Field(
        "http://localhost:5173/undo-email-change?token={token}",
        description="the front end's page that calls undoEmailChange (the link mailed to the old address)",
    )
    mail_templates_dir: Path | None = Field(
        None,
        description="a folder whose templates replace the built-in ones of the same name",
        json_schema_extra={"shown": "the built-in ones"},
    )
    verify_email_ttl: Whole = Field(24 * 3600, description="lifetime of an email-verification token in seconds", ge=1)
    reset_password_ttl: Whole = Field(3600, description="lifetime of a password-reset token in seconds", ge=1)
    undo_email_change_ttl: Whole = Field(
        7 * 24 * 3600,
        description="lifetime of the undo link mailed to the old address on an email change, in seconds (7 days)",
        ge=1,
    )
    sign_in_code_ttl: Whole = Field(
        600, description="lifetime of a mailed sign-in code and its link, in seconds (10 minutes)", ge=1
    )
    mail_max_attempts: Whole = Field(10, description="tries to send a mail before giving up on it (logged)", ge=1)
    mail_retry_seconds: Whole = Field(
        30, description="wait before the first retry of a mail; doubled on each try, at most an hour", ge=1
    )
    mail_poll_seconds: Whole = Field(
        5, description="how often the sender looks for mail written by other instances", ge=1
    )
