"""Two-factor sign-in over HTTP: codes are computed from the secret the setup returned, as an app would."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pyotp
import pytest
from tortoise import Tortoise

from main import create_app
from services.identity import two_factor
from settings import Settings, SettingsError
from tests.graphql.test_admin import admin
from tests.support import PASSWORD, REFRESH, Account, Api, Result, replace

ROOT = Path(__file__).resolve().parents[2]
STEP = 30

BEGIN = """
mutation Begin($password: String!) { beginTwoFactorSetup(password: $password) { secret otpauthUri qrCodeSvg } }
"""
CONFIRM = "mutation Confirm($code: String!) { confirmTwoFactor(code: $code) }"
DISABLE = "mutation Disable($password: String!, $code: String!) { disableTwoFactor(password: $password, code: $code) }"
REGENERATE = """
mutation Regenerate($password: String!, $code: String!) { regenerateRecoveryCodes(password: $password, code: $code) }
"""
LOGIN = """
mutation Login($userName: String!, $password: String!, $otp: String) {
  login(userName: $userName, password: $password, otp: $otp) { accessToken refreshToken user { twoFactorEnabled } }
}"""
TWO_FACTOR_OF = "query TwoFactorOf($userName: String!) { user(userName: $userName) { userName twoFactorEnabled } }"


def steady_clock() -> float:
    """Now, once at least 10 s are left in the current 30-s step, so codes of the steps before, at and
    after it stay within the server's one step of drift for the rest of a short test."""
    while (remaining := STEP - time.time() % STEP) < 10:
        time.sleep(remaining + 0.05)
    return time.time()


@dataclass
class TwoFactor:
    """An account with two-factor sign-in on: its secret, recovery codes and the test's clock."""

    secret: str
    recovery_codes: list[str]
    now: float

    def code(self, steps: int = 0) -> str:
        """The code the app shows ``steps`` steps from now."""
        return pyotp.TOTP(self.secret).at(self.now + steps * STEP)

    def wrong_code(self) -> str:
        valid = {self.code(steps) for steps in (-1, 0, 1)}
        return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


async def begin(api: Api, account: Account) -> dict[str, Any]:
    result = await api.execute(BEGIN, {"password": account.password}, token=account.token)
    assert not result.errors, result.body
    return dict(result.data["beginTwoFactorSetup"])


async def enable(api: Api, account: Account) -> TwoFactor:
    """Set up and confirm with the code of the step before now (the ones at and after it stay unused)."""
    now = steady_clock()
    setup = await begin(api, account)
    state = TwoFactor(secret=setup["secret"], recovery_codes=[], now=now)
    confirmed = await api.execute(CONFIRM, {"code": state.code(-1)}, token=account.token)
    assert not confirmed.errors, confirmed.body
    state.recovery_codes = confirmed.data["confirmTwoFactor"]
    return state


async def login(api: Api, user_name: str, otp: str | None = None, password: str = PASSWORD) -> Result:
    return await api.execute(LOGIN, {"userName": user_name, "password": password, "otp": otp})


async def race(api: Api, user_name: str, otp: str) -> list[Result]:
    """Two logins with one code, released at the same moment."""
    barrier = asyncio.Barrier(2)

    async def attempt() -> Result:
        await barrier.wait()
        return await login(api, user_name, otp)

    return list(await asyncio.gather(attempt(), attempt()))


def reason(result: Result) -> str | None:
    return result.error["extensions"].get("reason")


async def signed_in(api: Api, user_name: str, state: TwoFactor, steps: int = 0) -> Account:
    result = await login(api, user_name, state.code(steps))
    assert not result.errors, result.body
    payload = result.data["login"]
    return Account(
        token=payload["accessToken"],
        user={"userName": user_name},
        password=PASSWORD,
        refresh_token=payload["refreshToken"],
    )


# Setting up and signing in


async def test_setup_confirm_then_login_needs_the_code(api: Api) -> None:
    account = await api.register()
    other = await api.login("john_doe")
    now = steady_clock()

    setup = await begin(api, account)

    assert setup["otpauthUri"].startswith("otpauth://totp/")
    assert "issuer=user-service" in setup["otpauthUri"] and "john_doe" in setup["otpauthUri"]
    assert f"secret={setup['secret']}" in setup["otpauthUri"]
    assert len(base64.b32decode(setup["secret"])) >= 20  # 160 bits
    assert setup["qrCodeSvg"].startswith("<svg") and setup["qrCodeSvg"].rstrip().endswith("</svg>")
    assert not (await login(api, "john_doe")).errors  # nothing enforced before the confirmation

    confirmed = await api.execute(CONFIRM, {"code": pyotp.TOTP(setup["secret"]).at(now)}, token=account.token)

    codes = confirmed.data["confirmTwoFactor"]
    assert len(codes) == len(set(codes)) == 10
    # Turning it on ends every other session at once; the caller's own tokens work on.
    other_login = other.data["login"]
    assert (await api.me(other_login["accessToken"])).code == "UNAUTHENTICATED"
    assert (await api.execute(REFRESH, {"refreshToken": other_login["refreshToken"]})).code == "UNAUTHENTICATED"
    assert (await api.me(account.token)).data["me"]["userName"] == "john_doe"
    assert not (await api.execute(REFRESH, {"refreshToken": account.refresh_token})).errors
    missing = await login(api, "john_doe")
    assert (missing.code, reason(missing)) == ("UNAUTHENTICATED", "OTP_REQUIRED")
    assert missing.data is None
    wrong_password = await login(api, "john_doe", password="not-the-password")
    unknown = await login(api, "nobody", password="not-the-password")
    assert reason(wrong_password) is None and wrong_password.error["message"] == unknown.error["message"]
    ok = await login(api, "john_doe", pyotp.TOTP(setup["secret"]).at(now + STEP))
    assert not ok.errors, ok.body
    assert ok.data["login"]["user"]["twoFactorEnabled"] is True
    assert (await api.me(ok.data["login"]["accessToken"])).data["me"]["userName"] == "john_doe"


async def test_the_qr_code_is_an_svg_file_that_opens_on_its_own(api: Api) -> None:
    """README: save qrCodeSvg as a .svg file and open it. An SVG document opens as an image only with the
    SVG namespace on its root element."""
    account = await api.register()

    setup = await begin(api, account)

    root = ElementTree.fromstring(setup["qrCodeSvg"])  # noqa: S314 - our own server's answer in a test
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.attrib["width"]) == int(root.attrib["height"]) > 0


async def test_confirm_needs_a_right_code_and_a_setup(api: Api) -> None:
    account = await api.register()

    no_setup = await api.execute(CONFIRM, {"code": "123456"}, token=account.token)
    assert no_setup.code == "CONFLICT"

    setup = await begin(api, account)
    valid = {pyotp.TOTP(setup["secret"]).at(time.time() + s * STEP) for s in (-1, 0, 1)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)
    result = await api.execute(CONFIRM, {"code": wrong}, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "code")
    assert not (await login(api, "john_doe")).errors  # still off


async def test_setup_needs_the_password(api: Api) -> None:
    account = await api.register()

    result = await api.execute(BEGIN, {"password": "not-the-password"}, token=account.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "password")
    assert (await api.execute(BEGIN, {"password": PASSWORD})).code == "UNAUTHENTICATED"


async def test_a_code_is_accepted_once(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)

    first = await login(api, "john_doe", state.code())
    replayed = await login(api, "john_doe", state.code())
    older = await login(api, "john_doe", state.code(-1))  # the confirmation's code
    next_step = await login(api, "john_doe", state.code(+1))

    assert not first.errors, first.body
    assert (replayed.code, reason(replayed)) == ("UNAUTHENTICATED", "OTP_INVALID")
    assert (older.code, reason(older)) == ("UNAUTHENTICATED", "OTP_INVALID")
    assert not next_step.errors, next_step.body


async def test_two_logins_with_one_code_or_one_recovery_code_one_gets_in(api: Api) -> None:
    for round_ in range(20):
        user_name = f"racer{round_}"
        state = await enable(api, await api.register(user_name))

        for otp in (state.code(), state.recovery_codes[0]):
            results = await race(api, user_name, otp)

            assert sorted(bool(r.errors) for r in results) == [False, True], [r.body for r in results]
            assert [reason(r) for r in results if r.errors] == ["OTP_INVALID"]


async def test_wrong_codes_count_toward_the_login_throttle(api: Api, settings: Settings) -> None:
    account = await api.register()
    state = await enable(api, account)

    for _ in range(settings.login_max_failures):
        wrong = await login(api, "john_doe", state.wrong_code())
        assert (wrong.code, reason(wrong)) == ("UNAUTHENTICATED", "OTP_INVALID")
    throttled = await login(api, "john_doe", state.code())

    assert throttled.code == "TOO_MANY_REQUESTS"
    assert throttled.error["extensions"]["retryAfter"] > 0


async def test_asking_for_the_code_costs_nothing_against_the_throttle(api: Api, settings: Settings) -> None:
    account = await api.register()
    state = await enable(api, account)

    for _ in range(settings.login_max_failures + 1):
        assert reason(await login(api, "john_doe")) == "OTP_REQUIRED"

    assert not (await login(api, "john_doe", state.code())).errors


async def test_wrong_passwords_and_codes_in_disable_count_as_failed_logins(api: Api, settings: Settings) -> None:
    account = await api.register()
    state = await enable(api, account)
    session = await signed_in(api, "john_doe", state)

    for attempt in range(settings.login_max_failures):
        variables = (
            {"password": "not-the-password", "code": state.code(+1)}
            if attempt % 2
            else {"password": PASSWORD, "code": state.wrong_code()}
        )
        assert (await api.execute(DISABLE, variables, token=session.token)).code == "BAD_USER_INPUT"
    throttled = await api.execute(DISABLE, {"password": PASSWORD, "code": state.code(+1)}, token=session.token)

    assert throttled.code == "TOO_MANY_REQUESTS"
    assert (await login(api, "john_doe", state.code(+1))).code == "TOO_MANY_REQUESTS"


# Recovery codes


async def test_a_recovery_code_works_once_and_ends_other_sessions(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)
    other = await signed_in(api, "john_doe", state)

    recovered = await login(api, "john_doe", state.recovery_codes[0])
    again = await login(api, "john_doe", state.recovery_codes[0])

    assert not recovered.errors, recovered.body
    assert (await api.me(recovered.data["login"]["accessToken"])).data["me"]["userName"] == "john_doe"
    assert (again.code, reason(again)) == ("UNAUTHENTICATED", "OTP_INVALID")
    assert (await api.me(other.token)).code == "UNAUTHENTICATED"
    assert (await api.execute(REFRESH, {"refreshToken": other.refresh_token})).code == "UNAUTHENTICATED"
    # Typed as people type: upper case, without the dashes.
    typed = await login(api, "john_doe", state.recovery_codes[1].upper().replace("-", ""))
    assert not typed.errors, typed.body


async def test_regenerating_recovery_codes_invalidates_the_old_ones(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)
    session = await signed_in(api, "john_doe", state)

    wrong = await api.execute(REGENERATE, {"password": PASSWORD, "code": state.wrong_code()}, token=session.token)
    result = await api.execute(REGENERATE, {"password": PASSWORD, "code": state.code(+1)}, token=session.token)

    assert (wrong.code, wrong.field) == ("BAD_USER_INPUT", "code")
    fresh = result.data["regenerateRecoveryCodes"]
    assert len(set(fresh)) == 10 and not set(fresh) & set(state.recovery_codes)
    old = await login(api, "john_doe", state.recovery_codes[0])
    assert (old.code, reason(old)) == ("UNAUTHENTICATED", "OTP_INVALID")
    assert not (await login(api, "john_doe", fresh[0])).errors


# Turning it off


async def test_disable_with_password_and_code(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)
    session = await signed_in(api, "john_doe", state)
    other = await signed_in(api, "john_doe", state, steps=1)

    wrong_password = await api.execute(
        DISABLE, {"password": "not-the-password", "code": state.code(+1)}, token=session.token
    )
    wrong_code = await api.execute(DISABLE, {"password": PASSWORD, "code": state.wrong_code()}, token=session.token)
    result = await api.execute(DISABLE, {"password": PASSWORD, "code": state.recovery_codes[0]}, token=session.token)

    assert (wrong_password.code, wrong_password.field) == ("BAD_USER_INPUT", "password")
    assert (wrong_code.code, wrong_code.field) == ("BAD_USER_INPUT", "code")
    assert result.data == {"disableTwoFactor": True}
    # Every other session ended at once; the caller's works on.
    assert (await api.me(other.token)).code == "UNAUTHENTICATED"
    assert (await api.execute(REFRESH, {"refreshToken": other.refresh_token})).code == "UNAUTHENTICATED"
    assert (await api.me(session.token)).data["me"]["userName"] == "john_doe"
    assert not (await api.execute(REFRESH, {"refreshToken": session.refresh_token})).errors
    plain = await login(api, "john_doe")
    assert not plain.errors, plain.body
    assert plain.data["login"]["user"]["twoFactorEnabled"] is False
    again = await api.execute(
        DISABLE, {"password": PASSWORD, "code": state.code(+1)}, token=plain.data["login"]["accessToken"]
    )
    assert again.code == "CONFLICT"


async def test_disable_with_a_recovery_code(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)
    session = await signed_in(api, "john_doe", state)

    result = await api.execute(DISABLE, {"password": PASSWORD, "code": state.recovery_codes[3]}, token=session.token)

    assert result.data == {"disableTwoFactor": True}
    assert not (await login(api, "john_doe")).errors


async def test_the_operator_path_turns_it_off_without_a_code(api: Api) -> None:
    """What `python main.py disable-2fa USERNAME` runs, on every backend."""
    account = await api.register()
    state = await enable(api, account)
    session = await signed_in(api, "john_doe", state)

    await two_factor.disable_by_operator(user_name="JOHN_DOE")

    assert (await api.me(session.token)).code == "UNAUTHENTICATED"
    plain = await login(api, "john_doe")
    assert not plain.errors, plain.body
    assert plain.data["login"]["user"]["twoFactorEnabled"] is False


# Storage and visibility


async def test_the_secret_and_the_recovery_codes_are_not_stored_as_plain_text(api: Api) -> None:
    account = await api.register()
    state = await enable(api, account)

    db = Tortoise.get_connection(api.backend)
    stored = ""
    for table in ("two_factor_secrets", "recovery_codes", "users"):
        _, rows = await db.execute_query(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
        stored += repr(rows)

    raw = base64.b32decode(state.secret)
    assert state.secret not in stored and state.secret.lower() not in stored
    assert raw.hex() not in stored and base64.b64encode(raw).decode() not in stored
    for code in state.recovery_codes:
        assert code not in stored and code.replace("-", "") not in stored
    _, secrets_rows = await db.execute_query("SELECT encrypted_secret FROM two_factor_secrets")
    assert len(secrets_rows) == 1 and secrets_rows[0]["encrypted_secret"].startswith("gAAAAA")  # a Fernet token


async def test_two_factor_enabled_is_visible_to_the_owner_and_admins_only(api: Api) -> None:
    ann = await api.register("ann")
    bob = await api.register("bob")
    root = await admin(api)
    await enable(api, ann)

    as_bob = await api.execute(TWO_FACTOR_OF, {"userName": "ann"}, token=bob.token)
    as_root = await api.execute(TWO_FACTOR_OF, {"userName": "ann"}, token=root.token)
    bob_self = await api.execute("query { me { twoFactorEnabled } }", token=bob.token)

    assert as_bob.data["user"] == {"userName": "ann", "twoFactorEnabled": None}
    assert as_root.data["user"] == {"userName": "ann", "twoFactorEnabled": True}
    assert bob_self.data["me"] == {"twoFactorEnabled": False}


async def test_production_without_a_key_offers_no_setup(db: str, settings: Settings) -> None:
    # Production runs without the Fernet key only with HS256: signing keys are encrypted with it.
    production = replace(settings, app_env="production", totp_encryption_key=(), jwt_algorithm="HS256")
    app = create_app(production)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, backend=db)
        account = await api.register()

        result = await api.execute(BEGIN, {"password": PASSWORD}, token=account.token)

    assert result.code == "FORBIDDEN"
    assert "TOTP_ENCRYPTION_KEY" in result.error["message"]


# README


def readme_two_factor_operations() -> list[str]:
    """The operations of README's two-factor GraphiQL block, in order (one line each)."""
    section = (ROOT / "README.md").read_text().split("### Two-factor sign-in in GraphiQL", 1)[1]
    block = re.search(r"```graphql\n(.*?)```", section, flags=re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.startswith(("query", "mutation"))]


async def test_the_readme_two_factor_session_runs_as_written(api: Api) -> None:
    account = await api.register()
    begin_, confirm_, login_, regenerate_, disable_ = readme_two_factor_operations()
    token = account.token

    setup = await api.execute(begin_, token=token)
    state = TwoFactor(secret=setup.data["beginTwoFactorSetup"]["secret"], recovery_codes=[], now=steady_clock())
    confirmed = await api.execute(confirm_.replace("123456", state.code(-1)), token=token)
    signed = await api.execute(login_.replace("654321", state.code()))
    token = signed.data["login"]["accessToken"]
    regenerated = await api.execute(regenerate_.replace("234567", state.code(+1)), token=token)
    disabled = await api.execute(
        disable_.replace("k7qm-x2ab-p9cd-r4ef", regenerated.data["regenerateRecoveryCodes"][0]), token=token
    )

    for result in (setup, confirmed, signed, regenerated, disabled):
        assert not result.errors, result.body
    assert disabled.data == {"disableTwoFactor": True}


async def test_production_refuses_to_start_without_the_key_once_someone_uses_it(api: Api, settings: Settings) -> None:
    production = replace(settings, app_env="production", totp_encryption_key=())
    await two_factor.check_configured(settings=production)  # nobody uses it yet: no key needed

    await begin(api, await api.register())

    with pytest.raises(SettingsError, match="TOTP_ENCRYPTION_KEY"):
        await two_factor.check_configured(settings=production)
