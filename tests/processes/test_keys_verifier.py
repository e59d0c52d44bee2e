"""A separate process that knows only our JWKS URL (PyJWT's PyJWKClient, tests/processes/clients/jwks_verifier.py)
verifies our tokens, across a key rotation done with the CLI (issue 24, "Done when"): it accepts a valid token and
refuses a tampered one, ``alg: none`` and HS256 signed with the public key; after `keys generate`, `keys activate`
and `keys retire` the signed-in client keeps working, old and new tokens verify while the old key is in its grace,
and once the grace is over the old key is gone and its tokens are refused."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import jwt

from tests.support import REFRESH, Api
from tests.support.forged import hs256_with_public_key, tampered, unsigned
from tests.support.servers import ROOT, Server, run_main, running_server

VERIFIER = ROOT / "tests" / "processes" / "clients" / "jwks_verifier.py"
TTL = 15  # seconds an access token lives: long enough for a rotation, short enough to wait out its grace
AUDIENCE = ISSUER = "user-service"


def _verify(server: Server, tokens: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each token's verdict from a fresh verifier process (it fetches the JWKS anew)."""
    lines = "".join(f"{name}\t{token}\n" for name, token in tokens.items())
    ran = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(VERIFIER), f"{server.url}/.well-known/jwks.json", AUDIENCE, ISSUER],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [line.split("\t") for line in ran.stdout.splitlines()]
    return {name: (verdict, detail) for name, verdict, detail in rows}


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def _published(api: Api) -> set[str]:
    return {key["kid"] for key in (await api.client.get("/.well-known/jwks.json")).json()["keys"]}


async def _until(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def test_a_verifier_with_only_the_jwks_url_across_a_rotation(tmp_path: Path) -> None:
    settings = {"JWKS_MAX_AGE": "1", "SIGNING_KEY_REFRESH_SECONDS": "1", "ACCESS_TOKEN_TTL": str(TTL)}
    with running_server(tmp_path, **settings) as server:  # development: a first key made at start
        async with httpx.AsyncClient(base_url=server.url) as client:
            api = Api(client, backend="sqlite")
            account = await api.register()
            old_kid = _kid(account.token)
            jwk = (await client.get("/.well-known/jwks.json")).json()["keys"][0]

            verdicts = _verify(
                server,
                {
                    "valid": account.token,
                    "tampered": tampered(account.token, sub="999"),
                    "alg none": unsigned(account.token),
                    "HS256 with the public key": hs256_with_public_key(account.token, jwk),
                },
            )

            assert verdicts["valid"] == ("accepted", account.user["userID"])
            assert verdicts["tampered"] == ("refused", "InvalidSignatureError")
            assert {verdicts["alg none"][0], verdicts["HS256 with the public key"][0]} == {"refused"}

            # Rotation: publish the next key, then sign with it, then retire the old one.
            generated = run_main(server.environ, "keys", "generate")
            assert generated.returncode == 0, generated.stderr
            new_kid = generated.stdout.split("\t")[0]
            await _until(lambda: _has(api, new_kid), 10)  # published before it signs anything
            last_old = await _refresh(api, account.refresh_token)
            assert _kid(last_old["accessToken"]) == old_kid
            await asyncio.sleep(1.1)  # JWKS_MAX_AGE: verifiers' cached copies know the new key by now
            activated = run_main(server.environ, "keys", "activate", new_kid)
            assert activated.returncode == 0, activated.stderr
            pair = {"refreshToken": last_old["refreshToken"]}

            async def signs_with_new() -> bool:
                pair.update(await _refresh(api, pair["refreshToken"]))  # the client keeps refreshing: no sign-out
                return _kid(pair["accessToken"]) == new_kid

            await _until(signs_with_new, 10)
            retired = run_main(server.environ, "keys", "retire", old_kid)
            assert retired.returncode == 0, retired.stderr

            for token in (last_old["accessToken"], pair["accessToken"]):  # both work on the server itself
                assert (await api.me(token)).data["me"]["userName"] == "john_doe"
            within_grace = _verify(server, {"old key": last_old["accessToken"], "new key": pair["accessToken"]})
            assert within_grace == {
                "old key": ("accepted", account.user["userID"]),
                "new key": ("accepted", account.user["userID"]),
            }

            async def old_key_gone() -> bool:
                return old_kid not in await _published(api)

            await _until(old_key_gone, TTL + 30)  # its last token's life, plus the leeway
            fresh = await _refresh(api, pair["refreshToken"])
            after_grace = _verify(server, {"old key": last_old["accessToken"], "new key": fresh["accessToken"]})

            assert after_grace == {
                "old key": ("refused", "no such key"),
                "new key": ("accepted", account.user["userID"]),
            }


async def _has(api: Api, kid: str) -> bool:
    return kid in await _published(api)


async def _refresh(api: Api, refresh_token: str) -> dict[str, str]:
    result = await api.execute(REFRESH, {"refreshToken": refresh_token})
    assert not result.errors, result.body
    payload: dict[str, str] = result.data["refreshToken"]
    return payload
