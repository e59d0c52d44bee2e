"""Mail rules that need no server: templates, SMTP URLs, and the mail settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.mail.templates import TEMPLATES, render
from services.mail.transport import LogTransport, SmtpTransport, transport_for
from settings import Settings, SettingsError
from tests.support import replace

DATA = {
    "user_name": "<b>ann</b>",
    "link": "https://app.example/v?token=abc&x=1",
    "token": "abc",
    "valid_for": "1 hour",
    "code": "012345",
    "passkey_name": "Laptop",
}


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_a_subject_text_and_html(template: str) -> None:
    rendered = render(template, DATA)

    assert rendered.subject and "\n" not in rendered.subject
    assert "<b>ann</b>" in rendered.text  # plain text is not escaped
    assert "&lt;b&gt;ann&lt;/b&gt;" in rendered.html and "<b>ann</b>" not in rendered.html


@pytest.mark.parametrize("template", ["verify_email", "reset_password", "sign_in_code"])
def test_link_mails_carry_the_link_and_the_token_as_text(template: str) -> None:
    rendered = render(template, DATA)

    assert DATA["link"] in rendered.text and "\nabc\n" in rendered.text
    assert 'href="https://app.example/v?token=abc&amp;x=1"' in rendered.html
    assert "1 hour" in rendered.text


def test_the_sign_in_mail_shows_the_code_in_both_bodies_and_not_in_the_subject() -> None:
    rendered = render("sign_in_code", DATA)

    assert "\n012345\n" in rendered.text
    assert "<strong>012345</strong>" in rendered.html
    assert "012345" not in rendered.subject  # a subject shows on a locked screen


def test_an_operator_file_replaces_only_its_own_part(tmp_path: Path) -> None:
    (tmp_path / "reset_password.txt").write_text("Custom: {{ link }}")

    rendered = render("reset_password", DATA, override=tmp_path)

    assert rendered.text == f"Custom: {DATA['link']}"
    assert rendered.subject == render("reset_password", DATA).subject


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:587", ("mail.example", 587, None, None, False, None)),
        ("smtp://mail.example", ("mail.example", 587, None, None, False, None)),
        ("smtp://u%40x:p%3Aw@mail.example:2525?starttls=required", ("mail.example", 2525, "u@x", "p:w", False, True)),
        ("smtps://user:pass@mail.example", ("mail.example", 465, "user", "pass", True, None)),
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    t = SmtpTransport.from_url(url)

    assert (t.hostname, t.port, t.username, t.password, t.use_tls, t.start_tls) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VERIFY_EMAIL_URL", "https://app.example/verify"),
        ("RESET_PASSWORD_URL", "https://app.example/reset?t="),
        ("SMTP_URL", "http://mail.example"),
        ("SMTP_URL", "smtp://"),
    ],
)
def test_bad_mail_settings_are_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environ({"DATA_DIR": str(tmp_path), name: value})


def test_production_needs_an_smtp_url() -> None:
    production = Settings(app_env="production", jwt_secret="s" * 48)
    with pytest.raises(SettingsError, match="SMTP_URL is not set"):
        production.check_mail()
    Settings(app_env="production", jwt_secret="s" * 48, smtp_url="smtp://mail.example").check_mail()
    Settings(app_env="development").check_mail()  # mail goes to the log


def test_production_never_writes_mail_to_the_log() -> None:
    """The log transport writes links, tokens included: it cannot exist in production, however it is asked for."""
    production = replace(Settings(), app_env="production")  # past the validator that refuses it

    with pytest.raises(SettingsError, match="SMTP_URL is not set"):
        transport_for(production)
    with pytest.raises(SettingsError, match="SMTP_URL is not set"):
        LogTransport(production)
    assert isinstance(transport_for(Settings(app_env="development")), LogTransport)
    assert isinstance(
        transport_for(Settings(app_env="production", jwt_secret="s" * 48, smtp_url="smtp://mail.example")),
        SmtpTransport,
    )
