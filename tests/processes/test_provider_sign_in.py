"""Sign in with an OpenID Connect provider (README, "Sign in with a provider"), end to end over real HTTP: the
server as a process, the real ``oidc-provider-mock`` provider as another, and a small provider of our own for
the ID tokens the mock cannot spoil (tests/support/oidc.py). A plain HTTP client plays the browser: it follows
the redirects from the provider to our callback, and stops at the front end's page, whose ``code`` it gives to
finishProviderSignIn (or finishProviderLink) with the ``state`` the page kept from the authorization URL, as the
page would. A code is honoured only with its own flow's state (and a link only with the token of the account that
began it): a code or a link flow sent to someone else's browser does nothing (login CSRF, link CSRF)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest

from tests.support import PASSWORD
from tests.support.oidc import FakeProvider, MockProvider, fake_provider, mock_provider
from tests.support.servers import Server, running_server

FRONT = "http://127.0.0.1:5999"  # the front end's origin: nothing needs to listen, the client stops there
DONE = f"{FRONT}/signed-in"
START = "mutation Start($p: String!, $r: String!) { providerSignInUrl(provider: $p, redirectTo: $r) }"
PAYLOAD = "accessToken refreshToken user { userName email emailVerified }"
FINISH = f"""mutation Finish($code: String!, $state: String!) {{
  finishProviderSignIn(code: $code, state: $state) {{ {PAYLOAD} }}
}}"""
FINISH_OTP = f"""mutation Finish($code: String!, $state: String!, $otp: String) {{
  finishProviderSignIn(code: $code, state: $state, otp: $otp) {{ {PAYLOAD} }}
}}"""
FINISH_LINK = """mutation FinishLink($code: String!, $state: String!) {
  finishProviderLink(code: $code, state: $state) { provider email }
}"""
BEGIN_2FA = "mutation Begin($pw: String!) { beginTwoFactorSetup(password: $pw) { secret } }"
CONFIRM_2FA = "mutation Confirm($code: String!) { confirmTwoFactor(code: $code) }"
LINK = "mutation Link($p: String!, $r: String!) { linkProvider(provider: $p, redirectTo: $r) }"
UNLINK = "mutation Unlink($p: String!) { unlinkProvider(provider: $p) }"
SET_PASSWORD = "mutation Set($pw: String!) { setPassword(newPassword: $pw) }"
METHODS = "{ signInMethods { password providers { provider email } } }"
EVENTS = "{ securityEvents(first: 20) { edges { node { kind } } } }"
LOGIN = f"mutation Login($u: String!, $p: String!) {{ login(userName: $u, password: $p) {{ {PAYLOAD} }} }}"
REGISTER = "mutation R($i: RegisterInput!) { register(input: $i) { accessToken } }"


@dataclass
class World:
    server: Server
    mock: MockProvider
    fake: FakeProvider

    def graphql(self, query: str, token: str | None = None, **variables: object) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            self.server.graphql_url, json={"query": query, "variables": variables}, headers=headers, timeout=30
        )
        body: dict[str, Any] = response.json()
        return body

    def start(self, provider: str = "mock", redirect_to: str = DONE) -> str:
        body = self.graphql(START, p=provider, r=redirect_to)
        assert "errors" not in body, body
        url: str = body["data"]["providerSignInUrl"]
        return url

    def finish(self, code: str, state: str) -> dict[str, Any]:
        return self.graphql(FINISH, code=code, state=state)

    def sign_in(self, sub: str) -> dict[str, Any]:
        """A whole sign-in at the mock provider as ``sub``, finished by the browser that began it: the payload."""
        url = self.start()
        body = self.finish(authorize(self, url, sub)["code"], state_of(url))
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["finishProviderSignIn"]
        return payload

    def link(self, token: str, sub: str) -> dict[str, Any]:
        """linkProvider, ``sub`` at the mock provider, and finishProviderLink from the same browser: the answer."""
        url: str = self.graphql(LINK, token, p="mock", r=f"{FRONT}/settings")["data"]["linkProvider"]
        query = authorize(self, url, sub)
        if "code" not in query:
            return query
        return self.graphql(FINISH_LINK, token, code=query["code"], state=state_of(url))


def state_of(url: str) -> str:
    """What the front end keeps in sessionStorage before going to the provider: the URL's state."""
    return parse_qs(urlsplit(url).query)["state"][0]


def other_state(url: str) -> str:
    """The URL's state with its last character changed."""
    state = state_of(url)
    return state[:-1] + ("A" if state[-1] != "A" else "B")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path = tmp_path_factory.mktemp("providers")
    with mock_provider(tmp_path) as mock, fake_provider() as fake:
        providers = [
            {"name": "mock", "issuer": mock.url, "clientId": "our-client", "clientSecret": "test-only-secret"},
            {
                "name": "fake",
                "issuer": fake.url,
                "clientId": fake.client_id,
                "clientSecret": "test-only-secret",
                "displayName": "Fake",
            },
        ]
        with running_server(
            tmp_path, OIDC_PROVIDERS=json.dumps(providers), SIGN_IN_REDIRECT_URLS=f"{DONE} {FRONT}/settings"
        ) as server:
            yield World(server, mock, fake)


def to_front_end(response: httpx.Response, client: httpx.Client) -> dict[str, str]:
    """Follow redirects (provider -> our callback -> ...) until one points at the front end; its query."""
    for _ in range(10):
        location = response.headers.get("location")
        assert response.is_redirect and location, (response.status_code, response.text)
        if location.startswith(FRONT):
            assert urlsplit(location).path in ("/signed-in", "/settings"), location
            return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
        response = client.get(location)
    raise AssertionError("too many redirects")


def authorize(world: World, url: str, sub: str, **form: str) -> dict[str, str]:
    """The person at the mock provider's form: picks ``sub`` (or presses Deny); the front end's query."""
    with httpx.Client(timeout=30) as client:
        return to_front_end(client.post(url, data={"sub": sub, **form}), client)


def kinds(world: World, token: str) -> list[str]:
    body = world.graphql(EVENTS, token)
    return [edge["node"]["kind"] for edge in body["data"]["securityEvents"]["edges"]]


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return extensions


def test_a_first_sign_in_makes_an_account_and_the_next_one_finds_it(world: World) -> None:
    world.mock.set_user("sub-ada", email="ada@example.com", email_verified=True, preferred_username="Ada Lovelace")

    url = world.start()
    query = authorize(world, url, "sub-ada")
    assert set(query) == {"code"}, query  # a one-time code, never a token in the URL
    signed_in = world.finish(query["code"], state_of(url))["data"]["finishProviderSignIn"]

    assert signed_in["user"] == {"userName": "Ada_Lovelace", "email": "ada@example.com", "emailVerified": True}
    token = signed_in["accessToken"]
    assert world.graphql(METHODS, token)["data"]["signInMethods"] == {
        "password": False,
        "providers": [{"provider": "mock", "email": "ada@example.com"}],
    }
    assert "SIGN_IN_WITH_PROVIDER" in kinds(world, token)

    again = world.sign_in("sub-ada")
    assert again["user"]["userName"] == "Ada_Lovelace"  # the same account, not a second one


def test_a_code_signs_in_once(world: World) -> None:
    world.mock.set_user("sub-once", email="once@example.com", email_verified=True)
    url = world.start()
    code = authorize(world, url, "sub-once")["code"]

    assert "errors" not in world.finish(code, state_of(url))
    replayed = error_of(world.finish(code, state_of(url)))

    assert replayed["code"] == "UNAUTHENTICATED"
    assert replayed["reason"] == "PROVIDER_CODE_INVALID"


def test_of_two_finishes_sent_together_exactly_one_signs_in(world: World) -> None:
    world.fake.claims = {}
    for round_ in range(30):
        state, query = fake_flow(world, None, subject=f"fake-race-{round_}")
        barrier = threading.Barrier(2)

        def finish(
            code: str = query["code"], state: str = state, barrier: threading.Barrier = barrier
        ) -> dict[str, Any]:
            barrier.wait()
            return world.finish(code, state)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: finish(), range(2)))

        won = [answer for answer in answers if "errors" not in answer]
        lost = [error_of(answer) for answer in answers if "errors" in answer]
        assert len(won) == 1, answers
        assert [refusal["reason"] for refusal in lost] == ["PROVIDER_CODE_INVALID"]


def test_a_tampered_or_replayed_state_signs_no_one_in(world: World) -> None:
    world.mock.set_user("sub-state", email="state@example.com", email_verified=True)
    with httpx.Client(timeout=30) as client:
        to_callback = client.post(world.start(), data={"sub": "sub-state"})
        callback = to_callback.headers["location"]
        assert callback.startswith(f"{world.server.url}/auth/callback/mock?")
        state = parse_qs(urlsplit(callback).query)["state"][0]

        tampered = client.get(callback.replace(state, state[:-2] + ("AA" if not state.endswith("AA") else "BB")))
        assert tampered.status_code == 400
        assert "start it again" in tampered.text
        assert "location" not in tampered.headers

        first = client.get(callback)
        assert first.status_code == 303 and "code=" in first.headers["location"]
        replayed = client.get(callback)
        assert replayed.status_code == 400
        assert "location" not in replayed.headers


def test_cancel_at_the_provider_comes_back_as_an_error(world: World) -> None:
    assert fake_sign_in(world, "cancel") == {"error": "PROVIDER_CANCELLED"}


def test_deny_at_the_mock_provider_never_signs_in(world: World) -> None:
    """oidc-provider-mock 0.3.4 (its last release for Python 3.11) drops the state from Deny's redirect, which
    leaves the server no sign-in to return to: its own page. From 0.4.7 on (Python 3.12) the state comes back,
    as RFC 6749 (4.1.2.1) has it, and the front end gets PROVIDER_CANCELLED."""
    with httpx.Client(timeout=30) as client:
        denied = client.post(world.start(), data={"sub": "anyone", "action": "deny"})
        location = denied.headers["location"]
        if "state=" in location:
            assert to_front_end(denied, client) == {"error": "PROVIDER_CANCELLED"}
            return
        page = client.get(location)

    assert page.status_code == 400
    assert "start it again" in page.text
    assert "location" not in page.headers


def test_an_unverified_email_is_kept_unverified(world: World) -> None:
    world.mock.set_user("sub-unverified", email="maybe@example.com", email_verified=False, name="May Be")

    signed_in = world.sign_in("sub-unverified")

    assert signed_in["user"] == {"userName": "maybe", "email": "maybe@example.com", "emailVerified": False}


def test_an_address_an_account_has_is_never_linked_by_itself_only_from_the_signed_in_account(world: World) -> None:
    owner = world.graphql(REGISTER, i={"userName": "grace", "password": PASSWORD, "email": "grace@example.com"})
    token = owner["data"]["register"]["accessToken"]
    world.mock.set_user("sub-grace", email="grace@example.com", email_verified=True)

    refused = authorize(world, world.start(), "sub-grace")
    assert refused == {"error": "PROVIDER_EMAIL_IN_USE"}

    linked = world.link(token, "sub-grace")
    assert linked["data"]["finishProviderLink"] == [{"provider": "mock", "email": "grace@example.com"}]
    assert world.sign_in("sub-grace")["user"]["userName"] == "grace"
    assert "PROVIDER_LINKED" in kinds(world, token)

    other = world.graphql(REGISTER, i={"userName": "mallory", "password": PASSWORD})["data"]["register"]
    taken = error_of(world.link(other["accessToken"], "sub-grace"))
    assert (taken["code"], taken["reason"]) == ("FORBIDDEN", "PROVIDER_ALREADY_LINKED")


def test_an_account_made_by_a_provider_keeps_a_way_to_sign_in(world: World) -> None:
    world.mock.set_user("sub-lin", email="lin@example.com", email_verified=True, preferred_username="lin")
    token = world.sign_in("sub-lin")["accessToken"]

    no_password = error_of(world.graphql(LOGIN, u="lin", p=""))  # no password at all matches nothing
    assert no_password["code"] == "UNAUTHENTICATED"
    last = error_of(world.graphql(UNLINK, token, p="mock"))
    assert (last["code"], last["reason"]) == ("CONFLICT", "LAST_SIGN_IN_METHOD")
    weak = error_of(world.graphql(SET_PASSWORD, token, pw="short"))
    assert (weak["code"], weak["field"]) == ("BAD_USER_INPUT", "newPassword")

    assert world.graphql(SET_PASSWORD, token, pw=PASSWORD)["data"]["setPassword"] is True
    again = error_of(world.graphql(SET_PASSWORD, token, pw=PASSWORD + "x"))
    assert again["code"] == "CONFLICT"
    assert world.graphql(UNLINK, token, p="mock")["data"]["unlinkProvider"] is True
    assert world.graphql(LOGIN, u="lin", p=PASSWORD)["data"]["login"]["user"]["userName"] == "lin"
    assert {"PASSWORD_SET", "PROVIDER_UNLINKED"} <= set(kinds(world, token))


def test_a_provider_account_can_add_a_password_and_two_factor_which_its_sign_in_then_asks_for(world: World) -> None:
    world.mock.set_user("sub-tf", email="tf@example.com", email_verified=True, preferred_username="tf")
    token = world.sign_in("sub-tf")["accessToken"]
    assert world.graphql(SET_PASSWORD, token, pw=PASSWORD)["data"]["setPassword"] is True
    secret = world.graphql(BEGIN_2FA, token, pw=PASSWORD)["data"]["beginTwoFactorSetup"]["secret"]
    recovery = world.graphql(CONFIRM_2FA, token, code=pyotp.TOTP(secret).now())["data"]["confirmTwoFactor"]

    url = world.start()
    code = authorize(world, url, "sub-tf")["code"]
    asked = error_of(world.finish(code, state_of(url)))
    signed_in = world.graphql(FINISH_OTP, code=code, state=state_of(url), otp=recovery[0])

    assert (asked["code"], asked["reason"]) == ("UNAUTHENTICATED", "OTP_REQUIRED")
    assert signed_in["data"]["finishProviderSignIn"]["user"]["userName"] == "tf"  # the code waited for the otp


def test_a_redirect_that_is_not_allowed_is_refused(world: World) -> None:
    for target in ("https://evil.example/signed-in", f"{FRONT}/elsewhere", f"{DONE}#x", "javascript:alert(1)"):
        refused = error_of(world.graphql(START, p="mock", r=target))
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "redirectTo"), target
    unknown = error_of(world.graphql(START, p="nope", r=DONE))
    assert (unknown["code"], unknown["field"]) == ("BAD_USER_INPUT", "provider")


def fake_flow(world: World, flaw: str | None, subject: str | None = None) -> tuple[str, dict[str, str]]:
    """A sign-in at our own provider: the state the front end kept, and the front end's query."""
    world.fake.flaw = flaw
    world.fake.subject = subject or f"fake-{flaw or 'good'}"
    url = world.start("fake")
    with httpx.Client(timeout=30) as client:
        return state_of(url), to_front_end(client.get(url), client)


def fake_sign_in(world: World, flaw: str | None, subject: str | None = None) -> dict[str, str]:
    return fake_flow(world, flaw, subject)[1]


def test_our_own_provider_signs_in_when_its_id_token_holds(world: World) -> None:
    world.fake.claims = {"email": "fake@example.com", "email_verified": True}

    state, query = fake_flow(world, None)

    assert world.finish(query["code"], state)["data"]["finishProviderSignIn"]["user"]["email"] == "fake@example.com"


@pytest.mark.parametrize("flaw", ["nonce", "audience", "expired", "foreign key"])
def test_an_id_token_that_does_not_hold_is_refused(world: World, flaw: str) -> None:
    world.fake.claims = {}

    assert fake_sign_in(world, flaw) == {"error": "PROVIDER_ID_TOKEN_INVALID"}


def test_a_code_sent_to_another_browser_signs_no_one_in(world: World) -> None:
    """Login CSRF: the attacker signs in at the provider himself and sends the page's link, ?code= and all, to
    the victim, whose front end finishes it with the state it kept (its own flow's), or with none."""
    world.mock.set_user("sub-attacker", email="attacker@example.com", email_verified=True)
    victims_own = world.start()  # the victim's tab began a sign-in of its own: its state is the one it holds
    for victims_state in (state_of(victims_own), ""):
        attackers_url = world.start()
        attackers_code = authorize(world, attackers_url, "sub-attacker")["code"]

        answer = world.finish(attackers_code, victims_state)
        refused = error_of(answer)
        assert (refused["code"], refused["reason"], refused["field"]) == (
            "UNAUTHENTICATED",
            "PROVIDER_CODE_INVALID",
            "code",
        )
        assert answer["data"] is None  # no token for the attacker's account
        spent = error_of(world.finish(attackers_code, state_of(attackers_url)))  # not even its own state now
        assert spent["reason"] == "PROVIDER_CODE_INVALID"


def test_a_sign_in_code_does_not_finish_a_link_nor_a_link_code_a_sign_in(world: World) -> None:
    world.mock.set_user("sub-kinds", email="kinds@example.com", email_verified=True)
    owner = world.graphql(REGISTER, i={"userName": "kinds", "password": PASSWORD})["data"]["register"]["accessToken"]
    sign_in_url = world.start()
    sign_in_code = authorize(world, sign_in_url, "sub-kinds")["code"]
    link_url = world.graphql(LINK, owner, p="mock", r=f"{FRONT}/settings")["data"]["linkProvider"]
    link_code = authorize(world, link_url, "sub-kinds")["code"]

    as_link = error_of(world.graphql(FINISH_LINK, owner, code=sign_in_code, state=state_of(sign_in_url)))
    as_sign_in = error_of(world.finish(link_code, state_of(link_url)))

    assert (as_link["code"], as_link["reason"]) == ("UNAUTHENTICATED", "PROVIDER_CODE_INVALID")
    assert (as_sign_in["code"], as_sign_in["reason"]) == ("UNAUTHENTICATED", "PROVIDER_CODE_INVALID")
    assert world.graphql(METHODS, owner)["data"]["signInMethods"]["providers"] == []


def test_a_link_flow_sent_to_a_victim_links_nothing_to_the_attackers_account(world: World) -> None:
    """Link CSRF: the attacker begins linkProvider for his account and sends the provider URL to the victim, who
    signs in at the provider as herself; her front end gets the ?code= and finishes it with her token. Linked,
    her "Sign in with Mock" would land in the attacker's account."""
    attacker = world.graphql(REGISTER, i={"userName": "linkthief", "password": PASSWORD})["data"]["register"]
    victim = world.graphql(REGISTER, i={"userName": "linkvictim", "password": PASSWORD})["data"]["register"]
    world.mock.set_user("sub-victim", email="victim-at-mock@example.com", email_verified=True)
    victims_tab = state_of(
        world.graphql(LINK, victim["accessToken"], p="mock", r=f"{FRONT}/settings")["data"]["linkProvider"]
    )

    for victims_state in (victims_tab, ""):
        sent = world.graphql(LINK, attacker["accessToken"], p="mock", r=f"{FRONT}/settings")["data"]["linkProvider"]
        code = authorize(world, sent, "sub-victim")["code"]  # the victim at the provider, as herself

        refused = error_of(world.graphql(FINISH_LINK, victim["accessToken"], code=code, state=victims_state))
        assert (refused["code"], refused["reason"]) == ("UNAUTHENTICATED", "PROVIDER_CODE_INVALID")
        # the victim's token with the attacker's own state (were it leaked with the URL) links nothing either
        with_state = error_of(world.graphql(FINISH_LINK, victim["accessToken"], code=code, state=state_of(sent)))
        assert with_state["reason"] == "PROVIDER_CODE_INVALID"
        # and the attacker cannot finish it himself afterwards: the code was spent
        late = error_of(world.graphql(FINISH_LINK, attacker["accessToken"], code=code, state=state_of(sent)))
        assert late["reason"] == "PROVIDER_CODE_INVALID"

    assert world.graphql(METHODS, attacker["accessToken"])["data"]["signInMethods"]["providers"] == []
    assert world.graphql(METHODS, victim["accessToken"])["data"]["signInMethods"]["providers"] == []
    victims_sign_in = world.sign_in("sub-victim")["user"]  # a new account of her own, not the attacker's
    assert victims_sign_in["email"] == "victim-at-mock@example.com"
    assert victims_sign_in["userName"] not in ("linkthief", "linkvictim")


def test_a_link_is_finished_only_with_its_own_state(world: World) -> None:
    owner = world.graphql(REGISTER, i={"userName": "ownstate", "password": PASSWORD})["data"]["register"]
    world.mock.set_user("sub-ownstate", email="ownstate-mock@example.com", email_verified=True)
    url = world.graphql(LINK, owner["accessToken"], p="mock", r=f"{FRONT}/settings")["data"]["linkProvider"]
    code = authorize(world, url, "sub-ownstate")["code"]

    wrong = error_of(world.graphql(FINISH_LINK, owner["accessToken"], code=code, state=other_state(url)))
    late = error_of(world.graphql(FINISH_LINK, owner["accessToken"], code=code, state=state_of(url)))

    assert (wrong["reason"], late["reason"]) == ("PROVIDER_CODE_INVALID", "PROVIDER_CODE_INVALID")
    assert world.graphql(METHODS, owner["accessToken"])["data"]["signInMethods"]["providers"] == []
