"""Two-factor rules: RFC 6238's own test vectors, the drift window, and the key setting."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from services.identity import two_factor
from settings import TOTP_KEY_FILE_NAME, Settings, SettingsError

# RFC 6238, Appendix B: the SHA-1 seed "12345678901234567890" in base32; the 8-digit codes' last 6 digits.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [
    (59, "287082"),
    (1111111109, "081804"),
    (1111111111, "050471"),
    (1234567890, "005924"),
    (2000000000, "279037"),
]


@pytest.mark.parametrize(("moment", "code"), RFC_VECTORS)
def test_codes_are_rfc_6238_sha1_six_digits_thirty_seconds(moment: int, code: str) -> None:
    assert two_factor._matching_step(RFC_SECRET, code, now=moment) == moment // 30


@pytest.mark.parametrize(("moment", "code"), RFC_VECTORS[1:])  # the first is in the first minute of 1970
def test_one_step_of_drift_either_way_and_no_more(moment: int, code: str) -> None:
    step = moment // 30

    assert two_factor._matching_step(RFC_SECRET, code, now=moment + 30) == step
    assert two_factor._matching_step(RFC_SECRET, code, now=moment - 30) == step
    assert two_factor._matching_step(RFC_SECRET, code, now=moment + 60) is None
    assert two_factor._matching_step(RFC_SECRET, code, now=moment - 60) is None


def test_recovery_codes_are_ten_distinct_80_bit_codes() -> None:
    codes = two_factor._new_recovery_codes()

    assert len(set(codes)) == 10
    for code in codes:
        letters = code.replace("-", "")
        assert len(letters) == 16 and set(letters) <= set(two_factor.RECOVERY_ALPHABET)  # 16 x 5 bits


def test_development_keeps_a_generated_key_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    key = settings.totp_keys()

    path = tmp_path / TOTP_KEY_FILE_NAME
    assert key == (path.read_text().strip(),)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(key[0])  # a valid key
    assert Settings(data_dir=tmp_path).totp_keys() == key


def test_the_key_is_made_only_when_two_factor_is_used(tmp_path: Path) -> None:
    Settings.from_environ({"DATA_DIR": str(tmp_path)})

    assert not (tmp_path / TOTP_KEY_FILE_NAME).exists()


def test_production_needs_the_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="TOTP_ENCRYPTION_KEY"):
        Settings(
            app_env="production", data_dir=tmp_path, jwt_secret="s" * 48, smtp_url="smtp://mail.example"
        ).totp_keys()

    assert not (tmp_path / TOTP_KEY_FILE_NAME).exists()


@pytest.mark.parametrize(
    "value", ["not-a-key", "x" * 44, Fernet.generate_key().decode()[:-4]], ids=["not-a-key", "44-x", "truncated"]
)
def test_a_malformed_key_is_refused_naming_the_variable(tmp_path: Path, value: str) -> None:
    environ = {"DATA_DIR": str(tmp_path), "TOTP_ENCRYPTION_KEY": value}

    with pytest.raises(SettingsError, match="TOTP_ENCRYPTION_KEY"):
        Settings.from_environ(environ)


def test_keys_rotate_new_first_old_after(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = Fernet(old.encode()).encrypt(b"JBSWY3DPEHPK3PXP").decode()
    settings = Settings.from_environ({"DATA_DIR": str(tmp_path), "TOTP_ENCRYPTION_KEY": f"{new} {old}"})

    assert settings.totp_keys() == (new, old)
    assert two_factor._decrypt(stored, settings) == "JBSWY3DPEHPK3PXP"
    fresh = two_factor._cipher(settings).encrypt(b"secret")
    assert Fernet(new.encode()).decrypt(fresh) == b"secret"  # new secrets under the first key
