"""Passwordless sign-in (README, "Email sign-in codes"): a request writes one outbox row whatever the address;
the sender's resolution makes a code (mailed only to a known address); a code or its link signs in once,
expires, ends after 5 wrong tries or a newer request, counts in the login throttle, and asks for the TOTP
code when two-factor sign-in is on."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from main import create_app
from models import OutboxMail, SecurityEvent, SignInCode, User
from services import maintenance
from services.accounts import lifecycle
from services.client import Client
from services.errors import AccountError, AccountSuspended, InvalidInput, SecondFactorNeeded, TooManyRequests
from services.identity import sign_in, sign_in_codes
from services.identity.sign_in_codes import EXPIRED, MAX_ATTEMPTS, TOO_MANY_ATTEMPTS, USED, WRONG, CodeRefused
from services.mail import outbox
from services.throttle import Throttle
from settings import Settings
from tests.domain.identity.conftest import PASSWORD, NewUser
from tests.domain.identity.test_two_factor import code_at, enable
from tests.support import replace

CLIENT = Client("192.0.2.1", "pytest")
ANN = "ann@example.com"
NOBODY = "nobody@example.com"
# Digits of other scripts: str.isdigit and int take them, a code does not.
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in "123456")
FULLWIDTH = "".join(chr(0xFF10 + int(d)) for d in "123456")


async def request(settings: Settings, throttle: Throttle, email: str = ANN, client: Client = CLIENT) -> None:
    await sign_in_codes.request_sign_in_code(email=email, settings=settings, throttle=throttle, client=client)


async def resolve_all(settings: Settings) -> None:
    """What the sender does with the due rows that are requests."""
    for row in await outbox.claim(limit=100):
        if row.template == sign_in_codes.SIGN_IN_CODE_REQUEST:
            await sign_in_codes.resolve_request(row, settings)


async def mailed(to: str = ANN) -> list[dict[str, Any]]:
    rows = await OutboxMail.filter(template=sign_in_codes.TEMPLATE, recipient=to).order_by("id")
    return [json.loads(row.data) for row in rows]


async def asked(settings: Settings, throttle: Throttle, email: str = ANN) -> dict[str, Any]:
    """Request a code for ``email`` and resolve it; the newest mail's data (empty for an unknown address)."""
    await request(settings, throttle, email)
    await resolve_all(settings)
    found = await mailed(email)
    return found[-1] if found else {}


async def with_code(
    settings: Settings, throttle: Throttle, code: str, email: str = ANN, otp: str | None = None
) -> sign_in.SignedIn:
    return await sign_in_codes.sign_in_with_code(
        email=email, code=code, otp=otp, settings=settings, throttle=throttle, client=CLIENT
    )


async def with_link(settings: Settings, throttle: Throttle, token: str, otp: str | None = None) -> sign_in.SignedIn:
    return await sign_in_codes.sign_in_with_link(
        token=token, otp=otp, settings=settings, throttle=throttle, client=CLIENT
    )


def throttle_of(settings: Settings) -> Throttle:
    """A throttle with these settings' limits, as the app builds it."""
    built: Throttle = create_app(settings).state.throttle
    return built


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def refused_with(signing_in: Any) -> tuple[str, str | None]:
    with pytest.raises(CodeRefused) as raised:
        await signing_in
    assert raised.value.code == "UNAUTHENTICATED"
    return raised.value.reason, raised.value.field


async def kinds(user: User) -> list[str]:
    return list(await SecurityEvent.filter(user_id=user.id).order_by("id").values_list("kind", flat=True))


@pytest.mark.parametrize("email", [ANN, NOBODY])
async def test_a_request_writes_one_outbox_row_whatever_the_address(
    new_user: NewUser, settings: Settings, throttle: Throttle, email: str
) -> None:
    await new_user(email=ANN)

    await request(settings, throttle, email)

    assert await OutboxMail.all().count() == 1
    assert await OutboxMail.filter(template=sign_in_codes.SIGN_IN_CODE_REQUEST).count() == 1
    assert not await SignInCode.all().exists()  # no lookup, no code yet


async def test_the_resolution_mails_a_code_and_link_to_a_known_address_only(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user(email=ANN)
    await request(settings, throttle, "ANN@Example.com")
    await request(settings, throttle, NOBODY)

    await resolve_all(settings)

    [mail] = await mailed(ANN)
    assert mail["code"].isdigit() and len(mail["code"]) == 6
    assert mail["link"] == settings.sign_in_url.replace("{token}", mail["token"])
    assert mail["valid_for"] == "10 minutes"
    assert await mailed(NOBODY) == []
    rows = await SignInCode.all().order_by("id")
    assert [(row.user_id, row.email_key) for row in rows] == [(ann.id, ANN), (None, NOBODY)]
    requests = await OutboxMail.filter(template=sign_in_codes.SIGN_IN_CODE_REQUEST)
    assert {(row.status, row.recipient, row.data) for row in requests} == {(outbox.SENT, "", "{}")}
    assert await kinds(ann) == ["SIGN_IN_CODE_REQUESTED"]


async def test_code_and_token_are_stored_only_as_keyed_hashes(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user(email=ANN)
    mail = await asked(settings, throttle)

    row = await SignInCode.get()
    stored = json.dumps([row.code_hash, row.token_hash])
    assert mail["code"] not in stored and mail["token"] not in stored
    plain = {hashlib.sha256(text.encode()).hexdigest() for text in (mail["code"], mail["token"])}
    assert not plain & {row.code_hash, row.token_hash}  # keyed: not a bare hash of the secret either


async def test_a_code_signs_in_once_and_verifies_the_address(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user(email=ANN)
    mail = await asked(settings, throttle)

    signed_in = await with_code(settings, throttle, f" {mail['code'][:3]}-{mail['code'][3:]} ")

    assert signed_in.user.id == ann.id and signed_in.refresh_token.token
    assert signed_in.user.email_verified is True  # as the payload shows it
    assert (await User.get(id=ann.id)).email_verified is True
    assert await refused_with(with_code(settings, throttle, mail["code"])) == (USED, "code")
    assert await refused_with(with_link(settings, throttle, mail["token"])) == (USED, "token")
    assert await kinds(ann) == [
        "SIGN_IN_CODE_REQUESTED",
        "EMAIL_VERIFIED",
        "SIGN_IN_WITH_CODE",
        "SIGN_IN_CODE_FAILED",
        "SIGN_IN_CODE_FAILED",
    ]


async def test_a_link_signs_in_once_and_ends_the_code(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user(email=ANN)
    mail = await asked(settings, throttle)

    signed_in = await with_link(settings, throttle, mail["token"])

    assert signed_in.user.id == ann.id
    assert await refused_with(with_link(settings, throttle, mail["token"])) == (USED, "token")
    assert await refused_with(with_code(settings, throttle, mail["code"])) == (USED, "code")
    assert "SIGN_IN_WITH_LINK" in await kinds(ann)


async def test_an_unknown_link_is_wrong(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    await new_user(email=ANN)
    await asked(settings, throttle)

    assert await refused_with(with_link(settings, throttle, "not-a-token-we-made")) == (WRONG, "token")
    assert await refused_with(with_link(settings, throttle, "x" * 300)) == (WRONG, "token")


async def test_five_wrong_codes_end_the_code_and_its_link(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user(email=ANN)
    mail = await asked(settings, throttle)
    generous = replace(settings, login_max_failures=100)
    throttle = throttle_of(generous)

    answers = [await refused_with(with_code(generous, throttle, wrong(mail["code"]))) for _ in range(MAX_ATTEMPTS)]

    assert answers == [(WRONG, "code")] * MAX_ATTEMPTS
    assert await refused_with(with_code(generous, throttle, mail["code"])) == (TOO_MANY_ATTEMPTS, "code")
    assert await refused_with(with_link(generous, throttle, mail["token"])) == (TOO_MANY_ATTEMPTS, "token")


async def test_the_fifth_try_may_be_the_right_one(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    ann = await new_user(email=ANN)
    mail = await asked(settings, throttle)
    generous = replace(settings, login_max_failures=100)
    throttle = throttle_of(generous)
    for _ in range(MAX_ATTEMPTS - 1):
        await refused_with(with_code(generous, throttle, wrong(mail["code"])))

    assert (await with_code(generous, throttle, mail["code"])).user.id == ann.id


async def test_an_expired_code_and_link_are_refused(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    await new_user(email=ANN)
    mail = await asked(settings, throttle)
    await SignInCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    assert await refused_with(with_code(settings, throttle, mail["code"])) == (EXPIRED, "code")
    assert await refused_with(with_link(settings, throttle, mail["token"])) == (EXPIRED, "token")


async def test_a_newer_request_ends_the_older_code(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    ann = await new_user(email=ANN)
    older = await asked(settings, throttle)
    newer = await asked(settings, throttle)

    assert await refused_with(with_link(settings, throttle, older["token"])) == (USED, "token")
    if older["code"] != newer["code"]:  # one chance in a million that they are the same
        assert await refused_with(with_code(settings, throttle, older["code"])) == (WRONG, "code")
    assert (await with_code(settings, throttle, newer["code"])).user.id == ann.id


@pytest.mark.parametrize("email", [ANN, NOBODY])
async def test_an_unknown_address_gets_the_same_answers(
    new_user: NewUser, settings: Settings, throttle: Throttle, email: str
) -> None:
    await new_user(email=ANN)
    generous = replace(settings, login_max_failures=100)
    throttle = throttle_of(generous)
    await asked(settings, throttle, email)

    # No one knows an unknown address's code: "000000" is as wrong there as a wrong code is for ann.
    answers = [await refused_with(with_code(generous, throttle, "000000", email)) for _ in range(MAX_ATTEMPTS + 1)]
    if email == ANN and (await mailed())[-1]["code"] == "000000":
        return  # one chance in a million
    assert answers == [(WRONG, "code")] * MAX_ATTEMPTS + [(TOO_MANY_ATTEMPTS, "code")]
    await SignInCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1), attempts=0)
    assert await refused_with(with_code(generous, throttle, "000000", email)) == (EXPIRED, "code")


async def test_no_request_is_a_wrong_code(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    await new_user(email=ANN)

    assert await refused_with(with_code(settings, throttle, "123456")) == (WRONG, "code")
    assert await refused_with(with_code(settings, throttle, "123456", NOBODY)) == (WRONG, "code")


async def test_a_malformed_code_is_bad_input_and_no_try(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user(email=ANN)
    await asked(settings, throttle)

    for malformed in (
        "12345",
        "1234567",
        "abcdef",
        "".join(chr(0x0660 + int(d)) for d in "123456"),
        "".join(chr(0xFF10 + int(d)) for d in "123456"),
    ):
        with pytest.raises(InvalidInput) as raised:
            await with_code(settings, throttle, malformed)
        assert raised.value.field == "code"
    with pytest.raises(InvalidInput) as bad_email:
        await with_code(settings, throttle, "123456", "not an address")

    assert bad_email.value.field == "email"
    assert (await SignInCode.get()).attempts == 0


async def test_wrong_codes_count_as_failed_logins(new_user: NewUser, settings: Settings, throttle: Throttle) -> None:
    await new_user(email=ANN)
    mail = await asked(settings, throttle)
    strict = replace(settings, login_max_failures=2)
    throttle = throttle_of(strict)

    for _ in range(2):
        await refused_with(with_code(strict, throttle, wrong(mail["code"])))

    with pytest.raises(TooManyRequests):
        await with_code(strict, throttle, mail["code"])
    with pytest.raises(TooManyRequests):  # the password login of that account, from that address, too
        await sign_in.login(user_name="ann", password=PASSWORD, settings=strict, throttle=throttle, client=CLIENT)


async def test_requests_are_throttled_per_address_and_per_email(db: str, settings: Settings) -> None:
    strict = replace(settings, sign_in_code_max_per_address=3, sign_in_code_max_per_email=2)
    throttle = throttle_of(strict)
    for i in range(2):
        await request(strict, throttle, ANN, Client(f"198.51.100.{i}"))
    with pytest.raises(TooManyRequests):
        await request(strict, throttle, ANN.upper(), Client("198.51.100.9"))
    await request(strict, throttle, "a@example.com")
    await request(strict, throttle, "b@example.com")
    await request(strict, throttle, "c@example.com")
    with pytest.raises(TooManyRequests):
        await request(strict, throttle, "d@example.com")


async def test_with_two_factor_on_the_code_waits_for_the_otp(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user(email=ANN)
    secret, _ = await enable(ann, settings, throttle)
    mail = await asked(settings, throttle)

    for _ in range(MAX_ATTEMPTS + 1):  # asking for the otp costs the code no try
        with pytest.raises(SecondFactorNeeded) as needed:
            await with_code(settings, throttle, mail["code"])
        assert needed.value.reason == "OTP_REQUIRED"
    with pytest.raises(SecondFactorNeeded) as needed_by_link:
        await with_link(settings, throttle, mail["token"])

    assert needed_by_link.value.reason == "OTP_REQUIRED"
    assert (await with_code(settings, throttle, mail["code"], otp=code_at(secret, 30))).user.id == ann.id


async def test_with_two_factor_on_a_wrong_otp_is_refused_and_the_link_still_needs_one(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user(email=ANN)
    secret, _ = await enable(ann, settings, throttle)
    mail = await asked(settings, throttle)
    wrong_otp = wrong(code_at(secret, 30))
    if wrong_otp in {code_at(secret, -30), code_at(secret), code_at(secret, 30)}:
        return  # a neighbour step's code: right after all

    with pytest.raises(SecondFactorNeeded) as invalid:
        await with_link(settings, throttle, mail["token"], otp=wrong_otp)

    assert invalid.value.reason == "OTP_INVALID"
    assert (await with_link(settings, throttle, mail["token"], otp=code_at(secret, 30))).user.id == ann.id


async def test_a_suspended_account_is_refused_and_a_deactivated_one_restored(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    ann = await new_user(email=ANN)
    await User.filter(id=ann.id).update(suspended_at=datetime.now(UTC))
    mail = await asked(settings, throttle)
    with pytest.raises(AccountSuspended):
        await with_code(settings, throttle, mail["code"])

    await User.filter(id=ann.id).update(suspended_at=None)
    await lifecycle.deactivate(user=ann, password=PASSWORD, settings=settings, throttle=throttle, client=CLIENT)
    mail = await asked(settings, throttle)
    await with_link(settings, throttle, mail["token"])

    assert (await User.get(id=ann.id)).account_deleted is False


@pytest.mark.parametrize("change", ["address", "password", "deleted"])
async def test_a_code_dies_with_a_change_of_address_or_password(
    new_user: NewUser, settings: Settings, throttle: Throttle, change: str
) -> None:
    ann = await new_user(email=ANN)
    mail = await asked(settings, throttle)
    if change == "address":
        await User.filter(id=ann.id).update(email="ann@new.example", email_key="ann@new.example")
    elif change == "password":
        await User.filter(id=ann.id).update(token_version=ann.token_version + 1)
    else:
        await User.filter(id=ann.id).delete()

    assert await refused_with(with_code(settings, throttle, mail["code"])) == (WRONG, "code")
    assert await refused_with(with_link(settings, throttle, mail["token"])) == (WRONG, "token")


async def test_a_refusal_is_an_account_error_with_its_reason() -> None:
    refused = CodeRefused(USED, field="token")

    assert isinstance(refused, AccountError)
    assert refused.extensions() == {"code": "UNAUTHENTICATED", "field": "token", "reason": USED}


async def test_the_clean_up_deletes_codes_a_day_after_they_expired(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    await new_user(email=ANN)
    await asked(settings, throttle)
    await asked(settings, throttle, NOBODY)
    await SignInCode.filter(email_key=NOBODY).update(expires_at=datetime.now(UTC) - timedelta(days=1, seconds=1))

    purged = await maintenance.run_once(settings)

    assert purged.sign_in_codes == 1
    assert await SignInCode.all().values_list("email_key", flat=True) == [ANN]
