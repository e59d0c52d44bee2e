"""Two server instances on one PostgreSQL database sign with the same key and publish the same JWKS, before and
after a rotation done with the CLI, and each accepts the other's tokens throughout (README, Tokens for other
services: every instance picks a change up within SIGNING_KEY_REFRESH_SECONDS)."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from tests.support import Api
from tests.support.servers import Server, postgres_database, run_main, server_environ

pytestmark = pytest.mark.multi


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def _jwks(api: Api) -> list[dict[str, object]]:
    keys: list[dict[str, object]] = (await api.client.get("/.well-known/jwks.json")).json()["keys"]
    return sorted(keys, key=lambda key: str(key["kid"]))


@pytest.fixture
def shared_database() -> Iterator[str]:
    with postgres_database("two instances share the signing keys") as url:
        yield url


async def test_two_instances_agree_on_the_keys_across_a_rotation(shared_database: str, tmp_path: Path) -> None:
    environ = server_environ(
        shared_database,
        tmp_path,
        JWT_ALGORITHM="EdDSA",
        TOTP_ENCRYPTION_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        SIGNING_KEY_REFRESH_SECONDS="1",
    )
    assert run_main(environ, "migrate").returncode == 0
    first = run_main(environ, "keys", "generate")
    assert first.returncode == 0, first.stderr
    servers = (Server(environ, tmp_path / "a.log"), Server(environ, tmp_path / "b.log"))
    try:
        for server in servers:
            server.start()
        await asyncio.gather(*(server.wait_ready() for server in servers))
        async with (
            httpx.AsyncClient(base_url=servers[0].url) as client_a,
            httpx.AsyncClient(base_url=servers[1].url) as client_b,
        ):
            a, b = Api(client_a, backend="postgres"), Api(client_b, backend="postgres")
            await _rotate_and_check(environ, a, b, first.stdout.split("\t")[0])
    finally:
        for server in servers:
            server.stop()


async def _rotate_and_check(environ: dict[str, str], a: Api, b: Api, first_kid: str) -> None:
    alice = await a.register("alice")
    bob = await b.register("bob")
    assert _kid(alice.token) == _kid(bob.token) == first_kid
    assert await _jwks(a) == await _jwks(b)
    assert (await b.me(alice.token)).data["me"]["userName"] == "alice"
    assert (await a.me(bob.token)).data["me"]["userName"] == "bob"

    generated = run_main(environ, "keys", "generate")
    new_kid = generated.stdout.split("\t")[0]
    activated = run_main(environ, "keys", "activate", new_kid, "--now")
    assert activated.returncode == 0, activated.stderr
    deadline = time.monotonic() + 15
    while True:  # each instance reloads within SIGNING_KEY_REFRESH_SECONDS
        on_a = (await a.login("alice")).data["login"]["accessToken"]
        on_b = (await b.login("bob")).data["login"]["accessToken"]
        if _kid(on_a) == _kid(on_b) == new_kid:
            break
        assert time.monotonic() < deadline, "an instance still signs with the old key"
        await asyncio.sleep(0.3)

    published = await _jwks(a)
    assert published == await _jwks(b)
    assert {key["kid"] for key in published} == {first_kid, new_kid}  # the old one in its grace
    for api, token, name in ((b, on_a, "alice"), (a, on_b, "bob"), (b, alice.token, "alice"), (a, bob.token, "bob")):
        assert (await api.me(token)).data["me"]["userName"] == name  # new and old tokens, on either instance
