"""Passwordless sign-in over HTTP and real SMTP (README, "Email sign-in codes"): requestSignInCode mails a code
and a link to the front end's page; signInWithCode or signInWithLink answers as login does, once."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pyotp
import pytest

from models import SignInCode
from services.identity.sign_in_codes import EXPIRED, MAX_ATTEMPTS, TOO_MANY_ATTEMPTS, USED, WRONG
from settings import Settings
from tests.graphql.test_metrics import parse, value
from tests.support import PASSWORD, Api, Result
from tests.support.mail import Mailer, html_of, mailer_for, outbox_drained, text_of, token_in

REQUEST = "mutation Ask($email: String!) { requestSignInCode(email: $email) }"
PAYLOAD = "accessToken tokenType expiresIn refreshToken refreshExpiresIn user { userName email emailVerified }"
WITH_CODE = f"""
mutation Code($email: String!, $code: String!, $otp: String) {{
  signInWithCode(email: $email, code: $code, otp: $otp) {{ {PAYLOAD} }}
}}"""
WITH_LINK = f"""
mutation Link($token: String!, $otp: String) {{ signInWithLink(token: $token, otp: $otp) {{ {PAYLOAD} }} }}"""
EVENT_KINDS = "query Events { securityEvents(first: 10) { edges { node { kind } } } }"
BEGIN = "mutation Begin($password: String!) { beginTwoFactorSetup(password: $password) { secret } }"
CONFIRM = "mutation Confirm($code: String!) { confirmTwoFactor(code: $code) }"

ANN = "ann@example.com"
NOBODY = "nobody@example.com"
SIGN_IN_URL = "https://app.example/sign-in?token={token}"
CODE = re.compile(r"^\s*([0-9]{6})\s*$", re.MULTILINE)
ROUNDS = 30


@pytest.fixture
async def mail(db: str, settings: Settings) -> AsyncIterator[Mailer]:
    async with mailer_for(db, settings, sign_in_url=SIGN_IN_URL) as mailer:
        yield mailer


def code_in(message: EmailMessage) -> str:
    found = CODE.search(text_of(message))
    assert found is not None, text_of(message)
    return found.group(1)


async def ask(mail: Mailer, address: str = ANN, count: int = 1) -> EmailMessage:
    """Ask for a code for ``address``; its ``count``-th sign-in mail."""
    assert (await mail.api.execute(REQUEST, {"email": address})).data == {"requestSignInCode": True}
    return (await mail.sink.wait_for(address, "sign-in code", count=count))[-1]


async def with_code(api: Api, code: str, email: str = ANN, otp: str | None = None) -> Result:
    return await api.execute(WITH_CODE, {"email": email, "code": code, "otp": otp})


async def with_link(api: Api, token: str, otp: str | None = None) -> Result:
    return await api.execute(WITH_LINK, {"token": token, "otp": otp})


def refusal(result: Result) -> tuple[str, str | None, str | None]:
    extensions = result.error["extensions"]
    return extensions["code"], extensions.get("reason"), extensions.get("field")


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_a_mailed_code_signs_in_as_login_does(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    message = await ask(mail)

    result = await with_code(mail.api, code_in(message))

    payload = result.data["signInWithCode"]
    assert payload["tokenType"] == "Bearer" and payload["refreshToken"] and payload["expiresIn"] > 0
    assert payload["user"] == {"userName": "ann", "email": ANN, "emailVerified": True}
    assert (await mail.api.me(payload["accessToken"])).data["me"]["userName"] == "ann"
    events = await mail.api.execute(EVENT_KINDS, token=payload["accessToken"])
    kinds = [edge["node"]["kind"] for edge in events.data["securityEvents"]["edges"]]
    assert kinds[:3] == ["SIGN_IN_WITH_CODE", "EMAIL_VERIFIED", "SIGN_IN_CODE_REQUESTED"]


async def test_the_mail_carries_the_code_and_a_link_to_the_front_end(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)

    message = await ask(mail)

    token = token_in(message)
    text, html = text_of(message), html_of(message)
    assert SIGN_IN_URL.replace("{token}", token) in text
    assert f'href="{SIGN_IN_URL.replace("{token}", token)}"' in html
    assert code_in(message) in html and "10 minutes" in text
    assert code_in(message) not in str(message["Subject"])


async def test_a_link_signs_in_once_and_a_get_of_the_mutation_spends_nothing(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    token = token_in(await ask(mail))
    document = f'mutation {{ signInWithLink(token: "{token}") {{ accessToken }} }}'

    scanned = await mail.api.client.get("/graphql", params={"query": document})  # a mail scanner, say
    first = await with_link(mail.api, token)
    second = await with_link(mail.api, token)

    assert scanned.status_code == 400 and "accessToken" not in scanned.text
    assert first.data["signInWithLink"]["user"]["userName"] == "ann"
    assert refusal(second) == ("UNAUTHENTICATED", USED, "token")


async def test_each_refusal_has_its_own_reason(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, login_max_failures=50) as mail:
        await mail.api.register("ann", email=ANN)
        code = code_in(await ask(mail))
        wrong = [await with_code(mail.api, other_than(code)) for _ in range(MAX_ATTEMPTS)]
        spent = await with_code(mail.api, code)
        code = code_in(await ask(mail, count=2))
        await SignInCode.filter(used_at=None).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        expired = await with_code(mail.api, code)
        unknown_link = await with_link(mail.api, "no-such-token")
        malformed = await with_code(mail.api, "12 34 5")

    assert [refusal(r) for r in wrong] == [("UNAUTHENTICATED", WRONG, "code")] * MAX_ATTEMPTS
    assert "No tries left" in wrong[-1].error["message"]
    assert refusal(spent) == ("UNAUTHENTICATED", TOO_MANY_ATTEMPTS, "code")
    assert refusal(expired) == ("UNAUTHENTICATED", EXPIRED, "code")
    assert refusal(unknown_link) == ("UNAUTHENTICATED", WRONG, "token")
    assert refusal(malformed) == ("BAD_USER_INPUT", None, "code")
    assert code not in str(expired.body)


async def test_known_and_unknown_addresses_get_the_same_answers(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    await outbox_drained()

    answers = [
        await mail.api.client.post("/graphql", json={"query": REQUEST, "variables": {"email": address}})
        for address in (ANN, NOBODY)
    ]
    await outbox_drained()
    refusals = [refusal(await with_code(mail.api, "000000", address)) for address in (ANN, NOBODY)]

    assert answers[0].content == answers[1].content == b'{"data":{"requestSignInCode":true}}'
    assert len(mail.sink.to(ANN, "sign-in code")) == 1
    assert mail.sink.to(NOBODY) == []
    if code_in(mail.sink.to(ANN)[-1]) != "000000":  # one chance in a million
        assert refusals == [("UNAUTHENTICATED", WRONG, "code")] * 2


async def test_requests_are_throttled_per_email_address(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, sign_in_code_max_per_email=2) as mail:
        answers = []
        for i in range(3):
            async with mail.api_from(f"10.0.0.{i + 1}") as client:
                answers.append(await client.execute(REQUEST, {"email": NOBODY.upper()}))

    assert [a.data for a in answers[:2]] == [{"requestSignInCode": True}] * 2
    assert answers[2].code == "TOO_MANY_REQUESTS"
    assert answers[2].error["extensions"]["retryAfter"] > 0


async def test_wrong_codes_count_toward_the_login_throttle(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, login_max_failures=3) as mail:
        await mail.api.register("ann", email=ANN)
        code = code_in(await ask(mail))
        wrong = [await with_code(mail.api, other_than(code)) for _ in range(3)]
        right = await with_code(mail.api, code)
        password = await mail.api.login("ann", PASSWORD)

    assert [refusal(r)[1] for r in wrong] == [WRONG] * 3
    assert right.code == password.code == "TOO_MANY_REQUESTS"


async def test_with_two_factor_on_the_code_asks_for_the_otp_like_login(mail: Mailer) -> None:
    account = await mail.api.register("ann", email=ANN)
    secret = (await mail.api.execute(BEGIN, {"password": PASSWORD}, token=account.token)).data
    totp = pyotp.TOTP(secret["beginTwoFactorSetup"]["secret"])
    confirmed = await mail.api.execute(CONFIRM, {"code": totp.now()}, token=account.token)
    assert not confirmed.errors, confirmed.body
    code = code_in(await ask(mail))

    without = await with_code(mail.api, code)
    with_otp = await with_code(mail.api, code, otp=totp.at(datetime.now(UTC).timestamp() + 30))

    assert refusal(without) == ("UNAUTHENTICATED", "OTP_REQUIRED", None)
    assert with_otp.data["signInWithCode"]["user"]["userName"] == "ann", with_otp.body


async def _race(calls: list[object]) -> list[Result]:
    barrier = asyncio.Barrier(len(calls))

    async def call(make: object) -> Result:
        await barrier.wait()
        assert callable(make)
        result: Result = await make()
        return result

    return list(await asyncio.gather(*(call(make) for make in calls)))


@pytest.mark.parametrize("pair", ["code+code", "link+link", "code+link"])
async def test_one_code_or_link_at_once_twice_signs_in_once(db: str, settings: Settings, pair: str) -> None:
    async with mailer_for(db, settings, rate_limit_enabled=False) as mail:
        await mail.api.register("ann", email=ANN)
        for round_ in range(ROUNDS):
            message = await ask(mail, count=round_ + 1)
            code, token = code_in(message), token_in(message)
            by = {
                "code": lambda code=code: with_code(mail.api, code),
                "link": lambda token=token: with_link(mail.api, token),
            }

            results = await _race([by[kind] for kind in pair.split("+")])

            winners = [r for r in results if not r.errors]
            losers = [r for r in results if r.errors]
            assert len(winners) == 1 and len(losers) == 1, (round_, [r.body for r in results])
            assert refusal(losers[0])[:2] == ("UNAUTHENTICATED", USED), losers[0].body


async def test_tries_sent_together_cannot_pass_the_limit(db: str, settings: Settings) -> None:
    async with mailer_for(db, settings, rate_limit_enabled=False) as mail:
        await mail.api.register("ann", email=ANN)
        for round_ in range(10):
            code = code_in(await ask(mail, count=round_ + 1))
            wrong = other_than(code)

            results = await _race([lambda wrong=wrong: with_code(mail.api, wrong) for _ in range(MAX_ATTEMPTS + 3)])
            after = await with_code(mail.api, code)

            reasons = sorted(refusal(r)[1] or "" for r in results)
            assert reasons == sorted([WRONG] * MAX_ATTEMPTS + [TOO_MANY_ATTEMPTS] * 3), (round_, reasons)
            assert refusal(after)[1] == TOO_MANY_ATTEMPTS


def readme_steps() -> list[str]:
    """The operations of README's "Email sign-in codes" block, as printed."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text.split("### Email sign-in codes", 1)[1]
    block = re.search(r"```graphql\n(.*?)```", section, flags=re.S)
    assert block is not None, "README's Email sign-in codes section has no GraphiQL block"
    return [line for line in block.group(1).splitlines() if line.startswith(("query", "mutation"))]


async def test_the_readme_flow_runs_as_written(mail: Mailer) -> None:
    ask_, by_code, by_link, events = readme_steps()
    await mail.api.register("john_doe", email="john@example.com")

    assert (await mail.api.execute(ask_)).data == {"requestSignInCode": True}
    message = (await mail.sink.wait_for("john@example.com", "sign-in code"))[-1]
    signed_in = await mail.api.execute(by_code.replace("483 920", code_in(message)))
    assert (await mail.api.execute(ask_)).data == {"requestSignInCode": True}
    message = (await mail.sink.wait_for("john@example.com", "sign-in code", count=2))[-1]
    linked = await mail.api.execute(by_link.replace("pZx3...", token_in(message)))
    history = await mail.api.execute(events, token=linked.data["signInWithLink"]["accessToken"])

    assert signed_in.data["signInWithCode"]["user"] == {"userName": "john_doe"}, signed_in.body
    assert [edge["node"]["kind"] for edge in history.data["securityEvents"]["edges"]] == [
        "SIGN_IN_WITH_LINK",
        "SIGN_IN_CODE_REQUESTED",
        "SIGN_IN_WITH_CODE",
    ]


async def test_metrics_count_code_sign_ins_by_outcome(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    code = code_in(await ask(mail))
    before = parse((await mail.api.client.get("/metrics")).text)

    await with_code(mail.api, other_than(code))
    await with_code(mail.api, code)

    after = parse((await mail.api.client.get("/metrics")).text)
    for outcome in (WRONG, "ok"):
        name = "sign_in_code_logins_total"
        assert value(after, name, outcome=outcome) == value(before, name, outcome=outcome) + 1, outcome


async def test_in_cookie_mode_a_code_sign_in_puts_the_refresh_token_in_the_cookie_not_the_body(
    db: str, settings: Settings
) -> None:
    async with mailer_for(db, settings, sign_in_url=SIGN_IN_URL, auth_cookies=True) as mail:
        await mail.api.register("ann", email=ANN)
        message = await ask(mail)
        mail.api.client.cookies.clear()

        response = await mail.api.client.post(
            "/graphql", json={"query": WITH_CODE, "variables": {"email": ANN, "code": code_in(message)}}
        )

    payload = response.json()["data"]["signInWithCode"]
    cookies = response.headers.get_list("set-cookie")
    assert payload["accessToken"] and payload["refreshToken"] is None
    assert len(cookies) == 1 and cookies[0].startswith("__Secure-refresh_token=")
    assert "HttpOnly" in cookies[0] and "Path=/auth" in cookies[0]


async def test_the_session_says_it_signed_in_with_an_email_code(mail: Mailer) -> None:
    await mail.api.register("ann", email=ANN)
    payload = (await with_code(mail.api, code_in(await ask(mail)))).data["signInWithCode"]

    sessions = await mail.api.execute("{ sessions { current signInMethod } }", token=payload["accessToken"])

    methods = {session["signInMethod"] for session in sessions.data["sessions"] if session["current"]}
    assert methods == {"email_code"}
    assert sorted(session["signInMethod"] for session in sessions.data["sessions"]) == ["email_code", "password"]
