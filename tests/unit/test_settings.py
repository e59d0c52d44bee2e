"""Settings.from_environ: defaults, the JWT secret rules and the refusal of bad values."""

from __future__ import annotations

import logging
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

import settings as settings_module
from settings import MIN_SECRET_BYTES, SECRET_FILE_NAME, Settings, SettingsError

SECRET_48 = "s" * 48
SMTP_URL = "smtp://mail.example"  # production needs one


def test_defaults(tmp_path: Path) -> None:
    settings = Settings.from_environ({"DATA_DIR": str(tmp_path)})

    assert settings.app_env == "development"
    assert settings.is_production is False
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.workers == 1
    assert settings.data_dir == tmp_path
    assert settings.access_token_ttl == 900
    assert settings.bcrypt_rounds == 12
    assert settings.jwt_issuer == settings.jwt_audience == "user-service"
    assert (settings.log_format, settings.log_level) == ("text", "INFO")


def test_values_are_read_from_the_given_environ(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {
            "DATA_DIR": str(tmp_path),
            "APP_ENV": " Production ",
            "HOST": "10.0.0.5",
            "PORT": "9000",
            "WORKERS": "4",
            "JWT_SECRET": SECRET_48,
            "SMTP_URL": SMTP_URL,
            "JWT_ISSUER": "issuer",
            "JWT_AUDIENCE": "audience",
            "ACCESS_TOKEN_TTL": "60",
            "BCRYPT_ROUNDS": "10",
            "LOG_FORMAT": "JSON",
            "LOG_LEVEL": "warning",
        }
    )

    assert settings.app_env == "production"
    assert settings.is_production is True
    assert (settings.host, settings.port, settings.workers) == ("10.0.0.5", 9000, 4)
    assert settings.jwt_secret == SECRET_48
    assert (settings.jwt_issuer, settings.jwt_audience) == ("issuer", "audience")
    assert (settings.access_token_ttl, settings.bcrypt_rounds) == (60, 10)
    assert (settings.log_format, settings.log_level) == ("json", "WARNING")


def test_development_without_secret_generates_one_in_the_data_dir(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="settings"):
        settings = Settings.from_environ({"DATA_DIR": str(tmp_path)})

    secret_file = tmp_path / SECRET_FILE_NAME
    assert len(settings.jwt_secret.encode()) >= MIN_SECRET_BYTES
    assert secret_file.read_text().strip() == settings.jwt_secret
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    warnings = [record for record in caplog.records if record.name == "settings"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "JWT_SECRET" in warnings[0].getMessage()
    assert str(secret_file) in warnings[0].getMessage()


def test_development_reuses_the_generated_secret(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = Settings.from_environ({"DATA_DIR": str(tmp_path)})

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="settings"):
        second = Settings.from_environ({"DATA_DIR": str(tmp_path)})

    assert second.jwt_secret == first.jwt_secret
    assert not [record for record in caplog.records if record.name == "settings"]


def test_development_creates_a_missing_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    settings = Settings.from_environ({"DATA_DIR": str(data_dir)})

    assert (data_dir / SECRET_FILE_NAME).read_text().strip() == settings.jwt_secret


def test_development_refuses_a_short_stored_secret(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE_NAME).write_text("short\n")

    with pytest.raises(SettingsError, match="delete it"):
        Settings.from_environ({"DATA_DIR": str(tmp_path)})


def test_production_without_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        Settings.from_environ({"DATA_DIR": str(tmp_path), "APP_ENV": "production"})

    assert not (tmp_path / SECRET_FILE_NAME).exists()


@pytest.mark.parametrize("app_env", ["development", "test", "production"])
def test_short_secret_is_refused_in_every_environment(tmp_path: Path, app_env: str) -> None:
    environ = {"DATA_DIR": str(tmp_path), "APP_ENV": app_env, "JWT_SECRET": "x" * (MIN_SECRET_BYTES - 1)}

    with pytest.raises(SettingsError, match="JWT_SECRET"):
        Settings.from_environ(environ)

    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_secret_length_is_counted_in_bytes(tmp_path: Path) -> None:
    secret = "é" * (MIN_SECRET_BYTES // 2)  # 16 characters, 32 bytes
    settings = Settings.from_environ(
        {"DATA_DIR": str(tmp_path), "APP_ENV": "production", "JWT_SECRET": secret, "SMTP_URL": SMTP_URL}
    )

    assert settings.jwt_secret == secret


def test_production_with_a_48_byte_secret_works(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {"DATA_DIR": str(tmp_path), "APP_ENV": "production", "JWT_SECRET": SECRET_48, "SMTP_URL": SMTP_URL}
    )

    assert settings.is_production
    assert settings.jwt_secret == SECRET_48
    assert not (tmp_path / SECRET_FILE_NAME).exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("APP_ENV", "staging", id="unknown-app-env"),
        pytest.param("PORT", "abc", id="port-not-a-number"),
        pytest.param("PORT", "0", id="port-zero"),
        pytest.param("PORT", "-80", id="port-negative"),
        pytest.param("PORT", "70000", id="port-out-of-range"),
        pytest.param("PORT", "8_000", id="port-with-underscore"),
        pytest.param("WORKERS", "0", id="workers-zero"),
        pytest.param("WORKERS", "auto", id="workers-not-a-number"),
        pytest.param("ACCESS_TOKEN_TTL", "15m", id="ttl-with-unit"),
        pytest.param("ACCESS_TOKEN_TTL", "0", id="ttl-zero"),
        pytest.param("BCRYPT_ROUNDS", "3", id="rounds-too-few"),
        pytest.param("BCRYPT_ROUNDS", "32", id="rounds-too-many"),
        pytest.param("BCRYPT_ROUNDS", "twelve", id="rounds-not-a-number"),
        pytest.param("LOG_FORMAT", "xml", id="unknown-log-format"),
        pytest.param("LOG_LEVEL", "chatty", id="unknown-log-level"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    environ = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, name: value}

    with pytest.raises(SettingsError, match=name):
        Settings.from_environ(environ)


@pytest.mark.parametrize("rounds", ["4", "31"])
def test_bcrypt_rounds_limits_are_inclusive(tmp_path: Path, rounds: str) -> None:
    settings = Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, "BCRYPT_ROUNDS": rounds})

    assert settings.bcrypt_rounds == int(rounds)


def test_db_url_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48})

    assert settings.db_url.startswith("sqlite://")
    assert settings.db_url == f"sqlite://{tmp_path.resolve() / 'users.sqlite3'}"


def test_database_url_overrides_the_default(tmp_path: Path) -> None:
    url = "postgres://user:pass@db.internal:5432/users"
    settings = Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, "DATABASE_URL": url})

    assert settings.db_url == url


def test_workers_starting_together_share_one_complete_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = list(pool.map(lambda _: Settings.from_environ({"DATA_DIR": str(tmp_path)}).jwt_secret, range(16)))

    assert len(set(secrets)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE_NAME]  # no temporary file left behind


def test_every_setting_is_declared_once_with_a_description_and_read_from_its_variable(tmp_path: Path) -> None:
    names = {variable.name for variable in settings_module.VARIABLES}

    assert len(names) == len(settings_module.VARIABLES)
    assert all(variable.meaning for variable in settings_module.VARIABLES)
    # Every declared field is read from the variable named after it: a non-default value for each
    # number shows up on the Settings object.
    numbers = {
        variable.attribute: variable.name
        for variable in settings_module.VARIABLES
        if isinstance(getattr(Settings(), variable.attribute), int)
        and not isinstance(getattr(Settings(), variable.attribute), bool)
    }
    environ = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, "BCRYPT_ROUNDS": "5", "PORT": "8001"}
    environ |= {name: "7" for attribute, name in numbers.items() if name not in environ}
    read = Settings.from_environ(environ)

    for attribute, name in numbers.items():
        assert getattr(read, attribute) == int(environ[name]), name


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        pytest.param("RATE_LIMIT_ENABLED", "off", "rate_limit_enabled", False, id="bool-off"),
        pytest.param("GRAPHQL_INTROSPECTION", "", "graphql_introspection", None, id="optional-bool-empty"),
        pytest.param("GRAPHQL_INTROSPECTION", "yes", "graphql_introspection", True, id="optional-bool-yes"),
        pytest.param(
            "CORS_ORIGINS",
            "https://a.example, https://b.example",
            "cors_origins",
            ("https://a.example", "https://b.example"),
            id="words",
        ),
        pytest.param("LOG_FORMAT", " JSON ", "log_format", "json", id="choice-normalised"),
    ],
)
def test_variables_are_parsed_by_their_declared_type(
    tmp_path: Path, name: str, value: str, attribute: str, expected: object
) -> None:
    read = Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, name: value})

    assert getattr(read, attribute) == expected


@pytest.mark.parametrize("name", ["MAX_ALIASES", "LOGIN_WINDOW", "REFRESH_TOKEN_TTL"])
def test_declared_bounds_refuse_zero(tmp_path: Path, name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environ({"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, name: "0"})


def test_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    environ = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET_48, "PORT": "", "APP_ENV": "", "CORS_ORIGINS": ""}

    read = Settings.from_environ(environ)

    assert (read.port, read.app_env, read.cors_origins) == (8000, "development", ())


def test_production_without_a_secret_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({"DATA_DIR": str(tmp_path), "APP_ENV": "production"})

    assert "JWT_SECRET is not set" in str(refused.value)


def test_the_rules_between_settings_hold_however_settings_are_built() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET is not set"):
        Settings(app_env="production")
    with pytest.raises(ValidationError, match="JWT_SECRET is shorter"):
        Settings(jwt_secret="short")
    with pytest.raises(ValidationError, match="PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_FILE"):
        Settings(persisted_queries_only=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("SMTP_URL", "http://mailer:hunter2-password@mail.example", id="smtp-url"),
        pytest.param("TOTP_ENCRYPTION_KEY", "hunter2-password", id="totp-key"),
        pytest.param("JWT_SECRET", "hunter2-password", id="jwt-secret"),
    ],
)
def test_a_refused_secret_is_never_repeated(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name) as refused:
        Settings.from_environ({"DATA_DIR": str(tmp_path), name: value})

    assert "hunter2" not in str(refused.value)


def test_the_s3_access_key_and_its_secret_go_together_and_the_secret_is_never_echoed() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({"JWT_SECRET": SECRET_48, "MEDIA_S3_SECRET_ACCESS_KEY": "s3-secret-value-123"})
    both = Settings.from_environ(
        {
            "JWT_SECRET": SECRET_48,
            "MEDIA_S3_ACCESS_KEY_ID": "AKIA1",
            "MEDIA_S3_SECRET_ACCESS_KEY": "s3-secret-value-123",
        }
    )

    assert "MEDIA_S3_ACCESS_KEY_ID" in str(refused.value)
    assert "s3-secret-value-123" not in str(refused.value)
    assert "s3-secret-value-123" not in repr(both)
