"""Issue 24's "Done when" for webhooks: an admin subscribes a loopback receiver to all ten event types, then a
scripted session over the GraphQL API (register, updateProfile and updateUser, verify the address through the
mail that really went out, follow, unfollow, deactivate, sign in again, delete) reaches it as exactly the events
README's "Webhook events" promises, in the session's order, each verified with the standardwebhooks library,
each with its own webhook-id, and none carrying a secret."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from models import User
from services.mail import sender
from services.webhooks.events import EVENT_TYPES
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import PASSWORD, UPDATE_PROFILE, Account, Api, replace
from tests.support.mail import MailSink, mail_settings, token_in
from tests.support.social import FOLLOW, UNFOLLOW, act
from tests.support.webhooks import Hooks, Received, hooks_for

ANN = "ann@example.com"
VERIFY_EMAIL = "mutation Verify($token: String!) { verifyEmail(token: $token) { emailVerified } }"
DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
DELETE = "mutation Delete($n: String!, $p: String) { deleteUser(userName: $n, password: $p) { userName } }"
ME = "query Me { me { id } }"
SESSIONS = "query Sessions { sessions { id } }"
QUIET_SECONDS = 1.5  # longer than the worker's poll and retry waits here: what has not come by then will not

Event = tuple[str, dict[str, Any]]


class Session:
    """The receiver's requests, step by step: each step's events must have come before the next step starts."""

    def __init__(self, hooks: Hooks, secret: str) -> None:
        self.hooks = hooks
        self.secret = secret
        self.steps: list[tuple[list[Event], list[Received]]] = []

    async def step(self, expected: list[Event]) -> None:
        """The events the last action raises: they come (and are verified) before the session goes on."""
        seen = sum(len(received) for _, received in self.steps)
        received = (await self.hooks.receiver.wait_for(seen + len(expected)))[seen:]
        self.steps.append((expected, received))


async def _id_of(api: Api, account: Account) -> str:
    result = await api.execute(ME, token=account.token)
    assert not result.errors, result.body
    return str(result.data["me"]["id"])


def _ok(result: Any) -> None:
    assert not result.errors, result.body


def _order(event: Event) -> tuple[str, str]:
    return event[0], json.dumps(event[1], sort_keys=True)


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


async def test_a_scripted_session_reaches_the_receiver_as_its_events(db: str, settings: Settings) -> None:
    sink = MailSink()
    await sink.start()
    try:
        configured = mail_settings(replace(settings, rate_limit_enabled=False), sink)
        async with hooks_for(db, configured) as hooks, sender.running(hooks.settings):
            await _session(hooks, sink)
    finally:
        await sink.stop()


async def _session(hooks: Hooks, sink: MailSink) -> None:
    api = hooks.api
    _, secret = await hooks.create(list(EVENT_TYPES), description="everything")
    session = Session(hooks, secret)
    tokens: list[str] = [hooks.admin.token]

    ann = await api.register("ann", email=ANN)
    tokens += [ann.token, ann.refresh_token]
    user_ann = {"id": await _id_of(api, ann), "userName": "ann"}
    await session.step([("user.created", {"user": user_ann})])
    bob = await api.register("bob")
    tokens += [bob.token, bob.refresh_token]
    user_bob = {"id": await _id_of(api, bob), "userName": "bob"}
    await session.step([("user.created", {"user": user_bob})])

    _ok(
        await api.execute(
            UPDATE_PROFILE, {"input": {"bio": "Hi, I am Ann.", "website": "https://ann.example"}}, token=ann.token
        )
    )
    await session.step([("user.updated", {"user": user_ann, "changed": ["bio", "website"]})])
    _ok(await api.update_user(hooks.admin, "ann", firstName="Ann", userName="ann_lee"))  # an admin's updateUser
    user_ann = {**user_ann, "userName": "ann_lee"}
    await session.step([("user.updated", {"user": user_ann, "changed": ["userName", "firstName"]})])

    [mail] = await sink.wait_for(ANN, "confirm")
    verification = token_in(mail)
    tokens.append(verification)
    _ok(await api.execute(VERIFY_EMAIL, {"token": verification}))
    await session.step([("user.email_verified", {"user": user_ann, "email": ANN})])

    _ok(await act(api, FOLLOW, bob, "ann_lee"))
    await session.step([("follow.created", {"follower": user_bob, "followee": user_ann})])
    _ok(await act(api, UNFOLLOW, bob, "ann_lee"))
    await session.step([("follow.deleted", {"follower": user_bob, "followee": user_ann})])

    [ann_session] = [s["id"] for s in (await api.execute(SESSIONS, token=ann.token)).data["sessions"]]
    password_hash = (await User.get(user_name="ann_lee")).password_hash
    _ok(await api.execute(DEACTIVATE, {"password": PASSWORD}, token=ann.token))
    await session.step(
        [
            ("user.deactivated", {"user": user_ann}),
            ("session.revoked", {"user": user_ann, "session": {"id": ann_session}, "reason": "SESSION_ENDED"}),
        ]
    )

    back = await api.login("ann_lee")  # signing in again restores the account
    _ok(back)
    back_token = back.data["login"]["accessToken"]
    tokens += [back_token, back.data["login"]["refreshToken"]]
    await session.step([("user.restored", {"user": user_ann, "from": "deactivated"})])

    _ok(await act(api, FOLLOW, bob, "ann_lee"))
    await session.step([("follow.created", {"follower": user_bob, "followee": user_ann})])
    _ok(await api.execute(DELETE, {"n": "ann_lee", "p": PASSWORD}, token=back_token))
    # Its sessions and follows go with it and raise no event of their own.
    await session.step([("user.deleted", {"user": user_ann, "purged": False})])

    await asyncio.sleep(QUIET_SECONDS)
    received = hooks.receiver.received
    assert len(received) == sum(len(expected) for expected, _ in session.steps)  # and nothing more came

    for expected, got in session.steps:
        payloads = [request.verified(secret) for request in got]  # raises unless signed with the secret
        events = [(p["type"], p["data"]) for p in payloads]
        # One action's events are sent side by side (each its own delivery): their order among them is free.
        assert sorted(events, key=_order) == sorted(expected, key=_order)

    ids = [request.headers["webhook-id"] for request in received]
    assert len(set(ids)) == len(ids)
    secrets = [PASSWORD, password_hash, secret, TEST_SECRET, *tokens]
    for request in received:
        body = request.body.decode()
        assert not [value for value in secrets if value and value in body], body
        assert not {"password", "passwordHash", "token", "refreshToken", "secret", "hash"} & _keys(json.loads(body))
