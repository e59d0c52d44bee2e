"""Every refused token says why (README, Tokens): UNAUTHENTICATED with extensions.reason TOKEN_EXPIRED,
TOKEN_REVOKED, SESSION_ENDED or TOKEN_INVALID, for access tokens on any request and refresh tokens in
refreshToken and logout, in words that say to refresh or to sign in again, never repeating the token."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from models import RefreshToken, Session
from services.identity.access_tokens import issue_access_token
from services.identity.keyring import keyring
from settings import Settings
from tests.support import DELETE_USER, LOGOUT, LOGOUT_ALL, ME, PASSWORD, REFRESH, Account, Api, Result
from tests.support.refresh import after_the_reuse_grace

REVOKE_SESSION = "mutation RevokeSession($id: ID!) { revokeSession(id: $id) }"
DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
NEW_PASSWORD = "a-brand-new-passphrase"


def refused(result: Result, reason: str, *, sent: str) -> str:
    """The one error's message, once it is UNAUTHENTICATED with ``reason`` and does not echo ``sent``."""
    assert result.error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}, result.body
    assert result.data is None or all(value is None for value in result.data.values()), result.body
    if sent:
        assert sent not in str(result.body)
    return str(result.error["message"])


def session_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sid"])


async def refresh(api: Api, token: str) -> Result:
    return await api.execute(REFRESH, {"refreshToken": token})


async def second_session(api: Api) -> dict[str, str]:
    login = await api.login("john_doe")
    assert not login.errors, login.body
    return dict(login.data["login"])


# TOKEN_EXPIRED: refresh and go on ---------------------------------------------------------------------------


async def test_an_expired_access_token_says_to_refresh(api: Api, settings: Settings) -> None:
    account = await api.register()
    an_hour_ago = issue_access_token(
        user_id=int(account.user["userID"]),
        token_version=0,
        session_id=session_of(account.token),
        settings=settings,
        now=time.time() - 3600,  # the clock an hour back: expired 45 minutes ago
    )

    message = refused(await api.me(an_hour_ago.token), "TOKEN_EXPIRED", sent=an_hour_ago.token)

    assert "refreshToken" in message and "sign in" not in message
    # The session is fine: the refresh the message asks for works.
    renewed = (await refresh(api, account.refresh_token)).data["refreshToken"]
    assert (await api.me(renewed["accessToken"])).data["me"]["userName"] == "john_doe"


# TOKEN_REVOKED: this session was signed out -----------------------------------------------------------------


async def test_a_logged_out_session_is_token_revoked_for_both_tokens(api: Api) -> None:
    account = await api.register()

    await api.execute(LOGOUT, {"refreshToken": account.refresh_token})

    for result, token in [
        (await api.me(account.token), account.token),
        (await refresh(api, account.refresh_token), account.refresh_token),
    ]:
        assert "sign in again" in refused(result, "TOKEN_REVOKED", sent=token)


async def test_a_session_revoked_from_another_is_token_revoked(api: Api) -> None:
    account = await api.register()
    phone = await second_session(api)

    await api.execute(REVOKE_SESSION, {"id": session_of(phone["accessToken"])}, token=account.token)

    refused(await api.me(phone["accessToken"]), "TOKEN_REVOKED", sent=phone["accessToken"])
    refused(await refresh(api, phone["refreshToken"]), "TOKEN_REVOKED", sent=phone["refreshToken"])
    assert not (await api.me(account.token)).errors  # only that session


async def test_a_reused_refresh_token_is_token_revoked_and_so_is_its_session(api: Api) -> None:
    account = await api.register()
    renewed = (await refresh(api, account.refresh_token)).data["refreshToken"]
    await after_the_reuse_grace()

    replay = await refresh(api, account.refresh_token)

    assert "already used" in refused(replay, "TOKEN_REVOKED", sent=account.refresh_token)
    refused(await refresh(api, renewed["refreshToken"]), "TOKEN_REVOKED", sent=renewed["refreshToken"])
    refused(await api.me(renewed["accessToken"]), "TOKEN_REVOKED", sent=renewed["accessToken"])


# SESSION_ENDED: the account's sessions ended, or this one reached its end -----------------------------------


async def test_logout_all_is_session_ended_for_every_session(api: Api) -> None:
    account = await api.register()
    other = await second_session(api)

    await api.execute(LOGOUT_ALL, token=account.token)

    for access in (account.token, other["accessToken"]):
        assert "sign in again" in refused(await api.me(access), "SESSION_ENDED", sent=access)
    for token in (account.refresh_token, other["refreshToken"]):
        refused(await refresh(api, token), "SESSION_ENDED", sent=token)


async def test_a_password_change_ends_the_other_sessions_as_session_ended(api: Api) -> None:
    account = await api.register()
    other = await second_session(api)

    changed = await api.update_user(account, providedOldPassword=PASSWORD, providedNewPassword=NEW_PASSWORD)

    assert not changed.errors, changed.body
    refused(await api.me(other["accessToken"]), "SESSION_ENDED", sent=other["accessToken"])
    refused(await refresh(api, other["refreshToken"]), "SESSION_ENDED", sent=other["refreshToken"])


async def test_a_deactivated_account_is_session_ended(api: Api) -> None:
    account = await api.register()

    assert not (await api.execute(DEACTIVATE, {"password": PASSWORD}, token=account.token)).errors

    refused(await api.me(account.token), "SESSION_ENDED", sent=account.token)
    refused(await refresh(api, account.refresh_token), "SESSION_ENDED", sent=account.refresh_token)


async def test_a_session_past_its_end_or_unrefreshed_too_long_is_session_ended(api: Api) -> None:
    account: Account = await api.register()
    other = await second_session(api)
    # The clock: the first session reached SESSION_MAX_AGE; the other's refresh token went unused too long.
    past = datetime.now(UTC) - timedelta(seconds=1)
    await Session.filter(id=session_of(account.token)).update(expires_at=past)
    await RefreshToken.filter(session_id=session_of(other["accessToken"])).update(expires_at=past)

    refused(await refresh(api, account.refresh_token), "SESSION_ENDED", sent=account.refresh_token)
    refused(await refresh(api, other["refreshToken"]), "SESSION_ENDED", sent=other["refreshToken"])


async def test_the_tokens_of_a_deleted_account_are_refused(api: Api) -> None:
    account = await api.register()
    other = await second_session(api)

    deleted = await api.execute(DELETE_USER, {"userName": "john_doe"}, token=account.token)

    assert not deleted.errors, deleted.body
    refused(await api.me(other["accessToken"]), "SESSION_ENDED", sent=other["accessToken"])
    # Its refresh tokens went with it: the service no longer knows them.
    refused(await refresh(api, other["refreshToken"]), "TOKEN_INVALID", sent=other["refreshToken"])


# TOKEN_INVALID: not a token of ours for this use --------------------------------------------------------------


def tampered(token: str, **changes: object) -> str:
    """``token`` with its claims changed and its signature kept."""
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**decoded, **changes}).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def access_token(kind: str, account: Account, settings: Settings) -> str:
    claims = jwt.decode(account.token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(account.token)["kid"]
    signing = keyring().snapshot.signing  # type: ignore[union-attr] # the server's active key
    assert signing is not None
    return {
        "malformed": "not-a-jwt",
        "bad-signature": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}),
        "tampered": tampered(account.token, sub="2"),
        "alg-none": jwt.encode(claims, key=None, algorithm="none"),
        "another-audience": jwt.encode(
            {**claims, "aud": "another-service"}, signing.key, algorithm=signing.algorithm, headers={"kid": kid}
        ),
        "refresh-token-as-access-token": account.refresh_token,
    }[kind]


@pytest.mark.parametrize(
    "kind", ["malformed", "bad-signature", "tampered", "alg-none", "another-audience", "refresh-token-as-access-token"]
)
async def test_access_tokens_that_are_not_ours_are_token_invalid(api: Api, settings: Settings, kind: str) -> None:
    account = await api.register()
    token = access_token(kind, account, settings)

    message = refused(await api.me(token), "TOKEN_INVALID", sent=token)

    assert "sign in again" in message
    assert not (await api.me(account.token)).errors  # the session is untouched


@pytest.mark.parametrize("header", ["Basic am9objpwdw==", "Bearer a b", "x" * 5000])
async def test_a_malformed_authorization_header_is_token_invalid(api: Api, header: str) -> None:
    await api.register()

    response = await api.client.post(
        "/graphql", json={"query": "{ me { userName } }"}, headers={"Authorization": header}
    )

    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "TOKEN_INVALID"}


async def test_a_token_in_the_url_is_token_invalid(api: Api) -> None:
    account = await api.register()

    response = await api.client.post("/graphql", params={"access_token": account.token}, json={"query": ME})

    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "TOKEN_INVALID"}
    assert account.token not in response.text


@pytest.mark.parametrize("kind", ["unknown", "empty", "over-long", "access-token-as-refresh-token"])
async def test_refresh_tokens_that_are_not_ours_are_token_invalid(api: Api, kind: str) -> None:
    account = await api.register()
    token = {"unknown": "x" * 43, "empty": "", "over-long": "x" * 10_000}.get(kind, account.token)

    message = refused(await refresh(api, token), "TOKEN_INVALID", sent=token)

    assert "sign in again" in message
    assert not (await refresh(api, account.refresh_token)).errors  # nothing was spent or revoked


@pytest.mark.parametrize("token", ["", "x" * 10_000])
async def test_logout_with_text_that_is_no_refresh_token_is_token_invalid(api: Api, token: str) -> None:
    refused(await api.execute(LOGOUT, {"refreshToken": token}), "TOKEN_INVALID", sent=token)


async def test_no_token_at_all_is_unauthenticated_without_a_reason(api: Api) -> None:
    result = await api.me(None)

    assert result.error["extensions"] == {"code": "UNAUTHENTICATED"}
