"""Webhook events: each account change raises its event once, with its data, in the change's transaction.

Driven through the GraphQL API, then read from the outbox table (webhook_events) as the delivery worker
will: each type is raised exactly once by its action, with the data the README promises; a mutation that
fails raises nothing (it rolled back), and neither does a no-op. Delivery itself is the webhooks' own tests.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models import OutboxMail, User, WebhookEvent
from schema.nodes import global_id
from services.accounts import registration
from services.identity import sign_in_codes
from services.maintenance import run_once
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import (
    DELETE_USER,
    LOGOUT,
    LOGOUT_ALL,
    PASSWORD,
    REFRESH,
    Account,
    Api,
    resolve_reset_requests,
)
from tests.support.social import APPROVE, BLOCK, FOLLOW, MAKE_PRIVATE, REJECT, REMOVE_FOLLOWER, UNFOLLOW

DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
SUSPEND = """
mutation Suspend($userName: String!, $reason: String!) {
  suspendUser(userName: $userName, reason: $reason) { userName }
}
"""
UNSUSPEND = "mutation Unsuspend($userName: String!) { unsuspendUser(userName: $userName) { userName } }"
VERIFY_EMAIL = "mutation Verify($token: String!) { verifyEmail(token: $token) { emailVerified } }"
REQUEST_VERIFICATION = "mutation RequestVerification { requestEmailVerification }"
REQUEST_RESET = "mutation Forgot($email: String!) { requestPasswordReset(email: $email) }"
RESET = (
    "mutation Reset($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }"
)
UNDO = "mutation Undo($token: String!) { undoEmailChange(token: $token) }"
REQUEST_CODE = "mutation Ask($email: String!) { requestSignInCode(email: $email) }"
SIGN_IN_WITH_CODE = """
mutation Code($email: String!, $code: String!) { signInWithCode(email: $email, code: $code) { accessToken } }
"""
SESSIONS = "query Sessions { sessions { id current } }"
REVOKE_SESSION = "mutation Revoke($id: ID!) { revokeSession(id: $id) }"
ME_ID = "query Me { me { id userName } }"
UPDATE_PROFILE = "mutation Update($input: UpdateUserInput!) { updateProfile(input: $input) { userName } }"

ANN = "ann@example.com"
NEW_PASSWORD = "brand_new_secret_77"
ROUNDS = 15


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Many registrations from one address: the throttles are not under test here.
    return Settings(
        app_env="test",
        data_dir=tmp_path,
        jwt_secret=TEST_SECRET,
        bcrypt_rounds=4,
        rate_limit_enabled=False,
        refresh_reuse_grace_seconds=0,  # a spent refresh token used again revokes its session at once
    )


async def _events() -> list[tuple[str, dict[str, Any]]]:
    return [(event.type, json.loads(event.data)) for event in await WebhookEvent.all().order_by("id")]


class Recorder:
    """The events raised since the last ``new()``."""

    def __init__(self) -> None:
        self.seen = 0

    async def new(self) -> list[tuple[str, dict[str, Any]]]:
        events = await _events()
        fresh, self.seen = events[self.seen :], len(events)
        return fresh

    async def skip(self) -> None:
        await self.new()


@pytest.fixture
def events() -> Recorder:
    return Recorder()


def ref(account: Account | str, user_id: int) -> dict[str, Any]:
    name = account if isinstance(account, str) else account.name
    return {"id": str(global_id("User", user_id)), "userName": name}


async def _id(name: str) -> int:
    user = await User.get(user_name=name)
    return user.id


async def _mailed_token(template: str, to: str) -> str:
    mail = await OutboxMail.filter(template=template, recipient=to).order_by("-id").first()
    assert mail is not None, f"no {template} mail to {to}"
    return str(json.loads(mail.data)["token"])


async def _sessions(api: Api, account: Account) -> list[str]:
    result = await api.execute(SESSIONS, token=account.token)
    return sorted(session["id"] for session in result.data["sessions"])


def _revoked(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    return sorted((data["session"]["id"], data["reason"]) for kind, data in events if kind == "session.revoked")


async def _admin(api: Api) -> Account:
    account = await api.register("admin")
    await User.filter(user_name_key="admin").update(is_admin=True)
    return account


# The user: its id is the one GraphQL gives


async def test_an_event_names_the_user_by_its_graphql_id(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    await events.skip()

    await api.update_user(ann, bio="hello")
    me = await api.execute(ME_ID, token=ann.token)

    [(kind, data)] = await events.new()
    assert kind == "user.updated"
    assert data["user"] == {"id": me.data["me"]["id"], "userName": "ann"}


# user.updated


async def test_an_update_names_the_fields_it_changed_and_a_no_op_raises_nothing(api: Api, events: Recorder) -> None:
    ann = await api.register("ann", email=ANN, firstName="Ann")
    ann_id = await _id("ann")
    await events.skip()

    result = await api.update_user(ann, firstName="Anne", bio="hi", website="https://ann.example", accountPrivacy=False)
    assert not result.errors, result.body
    assert await events.new() == [
        ("user.updated", {"user": ref(ann, ann_id), "changed": ["firstName", "bio", "website"]})
    ]

    same = await api.update_user(ann, firstName="Anne", bio="hi", website="https://ann.example")
    assert not same.errors, same.body
    assert await events.new() == []

    renamed = await api.update_user(ann, userName="anna", phoneNumber="+16502530000")
    assert not renamed.errors, renamed.body
    assert await events.new() == [
        ("user.updated", {"user": ref("anna", ann_id), "changed": ["userName", "phoneNumber"]})  # its new name
    ]


async def test_a_failed_update_raises_nothing(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await events.skip()

    taken = await api.update_user(ann, userName="bob", bio="changed too")
    wrong_password = await api.update_user(
        ann, providedOldPassword="not_the_password", providedNewPassword=NEW_PASSWORD
    )
    bad_field = await api.update_user(ann, bio="x" * 1000)

    assert [taken.code, wrong_password.code, bad_field.code] == ["CONFLICT", "BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert await events.new() == []


async def test_a_password_change_is_named_never_shown_and_ends_each_session(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    ann_id = await _id("ann")
    assert not (await api.login("ann")).errors
    sessions = await _sessions(api, ann)
    await events.skip()

    result = await api.update_user(ann, providedOldPassword=PASSWORD, providedNewPassword=NEW_PASSWORD)
    assert not result.errors, result.body

    raised = await events.new()
    assert [event for event in raised if event[0] != "session.revoked"] == [
        ("user.updated", {"user": ref(ann, ann_id), "changed": ["password"]})
    ]
    assert _revoked(raised) == [(session, "SESSION_ENDED") for session in sessions]
    assert len(raised) == 1 + len(sessions)
    assert all(data["user"] == ref(ann, ann_id) for _, data in raised)


async def test_an_email_change_names_email_and_the_lost_verification(api: Api, events: Recorder) -> None:
    ann = await api.register("ann", email=ANN)
    ann_id = await _id("ann")
    await api.execute(VERIFY_EMAIL, {"token": await _mailed_token("verify_email", ANN)})
    await events.skip()

    result = await api.update_user(ann, email="ann@elsewhere.example")
    assert not result.errors, result.body
    assert await events.new() == [("user.updated", {"user": ref(ann, ann_id), "changed": ["email", "emailVerified"]})]

    # Undone from the old address: the address is back, verified again, and every session ends.
    undone = await api.execute(UNDO, {"token": await _mailed_token("email_changed", ANN)})
    assert undone.data == {"undoEmailChange": True}, undone.body
    raised = await events.new()
    assert raised[0] == ("user.updated", {"user": ref(ann, ann_id), "changed": ["email", "emailVerified"]})
    assert [kind for kind, _ in raised[1:]] == ["session.revoked"]


async def test_granting_admin_is_an_update_once(api: Api, events: Recorder) -> None:
    await api.register("ann")
    ann_id = await _id("ann")
    await events.skip()

    await registration.grant_admin("ann")
    await registration.grant_admin("ann")  # already an admin: nothing changes

    assert await events.new() == [("user.updated", {"user": ref("ann", ann_id), "changed": ["isAdmin"]})]


# user.email_verified


async def test_verifying_an_address_raises_email_verified_once(api: Api, events: Recorder) -> None:
    ann = await api.register("ann", email=ANN)
    ann_id = await _id("ann")
    await events.skip()

    verified = await api.execute(VERIFY_EMAIL, {"token": await _mailed_token("verify_email", ANN)})
    assert verified.data == {"verifyEmail": {"emailVerified": True}}, verified.body
    assert await events.new() == [("user.email_verified", {"user": ref(ann, ann_id), "email": ANN})]

    # A second link for the address it has proven already: verified again, nothing changes.
    assert (await api.execute(REQUEST_VERIFICATION, token=ann.token)).data == {"requestEmailVerification": True}
    again = await api.execute(VERIFY_EMAIL, {"token": await _mailed_token("verify_email", ANN)})
    assert again.data == {"verifyEmail": {"emailVerified": True}}, again.body
    used = await api.execute(VERIFY_EMAIL, {"token": await _mailed_token("verify_email", ANN)})
    assert used.code == "BAD_USER_INPUT"
    assert await events.new() == []


async def test_a_reset_changes_the_password_and_proves_the_address(
    api: Api, settings: Settings, events: Recorder
) -> None:
    ann = await api.register("ann", email=ANN)
    ann_id = await _id("ann")
    [session] = await _sessions(api, ann)
    await api.execute(REQUEST_RESET, {"email": ANN})
    await resolve_reset_requests(settings)
    await events.skip()

    weak = await api.execute(RESET, {"token": await _mailed_token("reset_password", ANN), "newPassword": "password"})
    assert weak.code == "BAD_USER_INPUT"
    assert await events.new() == []

    reset = await api.execute(RESET, {"token": await _mailed_token("reset_password", ANN), "newPassword": NEW_PASSWORD})
    assert reset.data == {"resetPassword": True}, reset.body

    raised = await events.new()
    assert sorted(kind for kind, _ in raised) == ["session.revoked", "user.email_verified", "user.updated"]
    assert ("user.updated", {"user": ref(ann, ann_id), "changed": ["password"]}) in raised
    assert ("user.email_verified", {"user": ref(ann, ann_id), "email": ANN}) in raised
    assert _revoked(raised) == [(session, "SESSION_ENDED")]


async def test_a_sign_in_code_proves_the_address_once(api: Api, settings: Settings, events: Recorder) -> None:
    await api.register("ann", email=ANN)
    ann_id = await _id("ann")
    await events.skip()

    for round_ in range(2):
        assert (await api.execute(REQUEST_CODE, {"email": ANN})).data == {"requestSignInCode": True}
        for request in await OutboxMail.filter(template=sign_in_codes.SIGN_IN_CODE_REQUEST, status="pending"):
            await sign_in_codes.resolve_request(request, settings)
        mail = await OutboxMail.filter(template=sign_in_codes.TEMPLATE).order_by("-id").first()
        assert mail is not None
        code = json.loads(mail.data)["code"]
        signed_in = await api.execute(SIGN_IN_WITH_CODE, {"email": ANN, "code": code})
        assert not signed_in.errors, signed_in.body

        expected = [("user.email_verified", {"user": ref("ann", ann_id), "email": ANN})] if round_ == 0 else []
        assert await events.new() == expected  # the second sign-in proves nothing new


# Follows


async def test_follows_of_a_public_account(api: Api, events: Recorder) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    ann_id, bob_id = await _id("ann"), await _id("bob")
    ann_follows_bob = {"follower": ref(ann, ann_id), "followee": ref(bob, bob_id)}
    await events.skip()

    await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)
    assert await events.new() == [("follow.created", ann_follows_bob)]
    await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)  # followed already
    assert await events.new() == []

    await api.execute(UNFOLLOW, {"userName": "bob"}, token=ann.token)
    assert await events.new() == [("follow.deleted", ann_follows_bob)]
    await api.execute(UNFOLLOW, {"userName": "bob"}, token=ann.token)  # no follow to end
    assert await events.new() == []

    await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)
    await events.skip()
    await api.execute(REMOVE_FOLLOWER, {"userName": "ann"}, token=bob.token)
    assert await events.new() == [("follow.deleted", ann_follows_bob)]
    await api.execute(REMOVE_FOLLOWER, {"userName": "ann"}, token=bob.token)
    assert await events.new() == []

    self_follow = await api.execute(FOLLOW, {"userName": "ann"}, token=ann.token)
    assert self_follow.errors
    assert await events.new() == []


async def test_a_request_to_a_private_account_is_a_follow_once_approved(api: Api, events: Recorder) -> None:
    ann, bob, cat = await api.register("ann"), await api.register("bob"), await api.register("cat")
    ann_id, bob_id, cat_id = await _id("ann"), await _id("bob"), await _id("cat")
    await api.execute(MAKE_PRIVATE, {"on": True}, token=bob.token)
    await events.skip()

    asked = await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)
    assert asked.data["follow"]["status"] == "REQUESTED"
    await api.execute(FOLLOW, {"userName": "bob"}, token=cat.token)
    await api.execute(REJECT, {"userName": "cat"}, token=bob.token)
    await api.execute(UNFOLLOW, {"userName": "bob"}, token=cat.token)  # nothing left to withdraw
    assert await events.new() == []

    await api.execute(APPROVE, {"userName": "ann"}, token=bob.token)
    assert await events.new() == [("follow.created", {"follower": ref(ann, ann_id), "followee": ref(bob, bob_id)})]
    await api.execute(APPROVE, {"userName": "ann"}, token=bob.token)  # approving twice is fine, and nothing
    assert await events.new() == []

    # Going public approves every pending request: each becomes a follow.
    await api.execute(FOLLOW, {"userName": "bob"}, token=cat.token)
    await events.skip()
    await api.execute(MAKE_PRIVATE, {"on": False}, token=bob.token)
    raised = await events.new()
    assert ("follow.created", {"follower": ref(cat, cat_id), "followee": ref(bob, bob_id)}) in raised
    assert [kind for kind, _ in raised] == ["follow.created", "user.updated"]


async def test_a_block_ends_the_follows_both_ways(api: Api, events: Recorder) -> None:
    ann, bob = await api.register("ann"), await api.register("bob")
    ann_id, bob_id = await _id("ann"), await _id("bob")
    await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)
    await api.execute(FOLLOW, {"userName": "ann"}, token=bob.token)
    await events.skip()

    await api.execute(BLOCK, {"userName": "bob"}, token=ann.token)
    raised = await events.new()
    assert sorted(raised, key=lambda event: event[1]["follower"]["userName"]) == [
        ("follow.deleted", {"follower": ref(ann, ann_id), "followee": ref(bob, bob_id)}),
        ("follow.deleted", {"follower": ref(bob, bob_id), "followee": ref(ann, ann_id)}),
    ]
    await api.execute(BLOCK, {"userName": "bob"}, token=ann.token)  # blocked already: no follow left
    assert await events.new() == []


# Sessions


async def test_each_way_a_session_ends_raises_one_event_per_session(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    ann_id = await _id("ann")
    [first] = await _sessions(api, ann)
    second = await api.login("ann")
    [second_id] = set(await _sessions(api, ann)) - {first}
    await api.login("ann")
    [third_id] = set(await _sessions(api, ann)) - {first, second_id}
    await events.skip()

    # logout: the refresh token's session
    logged_out = await api.execute(LOGOUT, {"refreshToken": second.data["login"]["refreshToken"]})
    assert logged_out.data == {"logout": True}, logged_out.body
    assert await events.new() == [
        ("session.revoked", {"user": ref(ann, ann_id), "session": {"id": second_id}, "reason": "TOKEN_REVOKED"})
    ]
    await api.execute(LOGOUT, {"refreshToken": second.data["login"]["refreshToken"]})  # ended already
    assert await events.new() == []

    # revokeSession: the one named
    assert (await api.execute(REVOKE_SESSION, {"id": third_id}, token=ann.token)).data == {"revokeSession": True}
    assert _revoked(await events.new()) == [(third_id, "TOKEN_REVOKED")]
    assert (await api.execute(REVOKE_SESSION, {"id": third_id}, token=ann.token)).code == "NOT_FOUND"
    assert await events.new() == []

    # logoutAll: every session left, one event each
    await api.login("ann")
    left = await _sessions(api, ann)
    assert len(left) == 2
    assert (await api.execute(LOGOUT_ALL, token=ann.token)).data == {"logoutAll": True}
    assert _revoked(await events.new()) == [(session, "SESSION_ENDED") for session in left]
    assert (await api.execute(LOGOUT_ALL, token=ann.token)).errors  # the token died with its session
    assert await events.new() == []


async def test_a_spent_refresh_token_used_again_revokes_its_session_once(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    ann_id = await _id("ann")
    [session] = await _sessions(api, ann)
    refreshed = await api.execute(REFRESH, {"refreshToken": ann.refresh_token})
    assert not refreshed.errors, refreshed.body
    await events.skip()

    reused = await api.execute(REFRESH, {"refreshToken": ann.refresh_token})
    again = await api.execute(REFRESH, {"refreshToken": ann.refresh_token})

    assert [reused.error["extensions"]["reason"], again.error["extensions"]["reason"]] == ["TOKEN_REVOKED"] * 2
    assert await events.new() == [
        ("session.revoked", {"user": ref(ann, ann_id), "session": {"id": session}, "reason": "TOKEN_REVOKED"})
    ]


async def test_racing_requests_raise_each_event_once(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await events.skip()

    for _ in range(ROUNDS):
        await asyncio.gather(*(api.execute(FOLLOW, {"userName": "bob"}, token=ann.token) for _ in range(3)))
        await asyncio.gather(*(api.execute(UNFOLLOW, {"userName": "bob"}, token=ann.token) for _ in range(3)))
        assert [kind for kind, _ in await events.new()] == ["follow.created", "follow.deleted"]

    login = await api.login("ann")
    both = [ann.refresh_token, login.data["login"]["refreshToken"]]
    await asyncio.gather(*(api.execute(LOGOUT, {"refreshToken": token}) for token in both * 3))
    assert len(_revoked(await events.new())) == 2  # each session once, however many logouts raced


# The account's life


async def test_deactivate_restore_suspend_lift_and_delete(api: Api, events: Recorder) -> None:
    admin = await _admin(api)
    ann = await api.register("ann")
    ann_id = await _id("ann")
    await events.skip()

    wrong = await api.execute(DEACTIVATE, {"password": "not_the_password"}, token=ann.token)
    assert wrong.code == "BAD_USER_INPUT"
    assert await events.new() == []

    [session] = await _sessions(api, ann)
    assert (await api.execute(DEACTIVATE, {"password": PASSWORD}, token=ann.token)).data == {"deactivateAccount": True}
    raised = await events.new()
    assert raised[0] == ("user.deactivated", {"user": ref(ann, ann_id)})
    assert _revoked(raised) == [(session, "SESSION_ENDED")] and len(raised) == 2

    login = await api.login("ann")
    assert not login.errors, login.body
    assert await events.new() == [("user.restored", {"user": ref(ann, ann_id), "from": "deactivated"})]
    assert not (await api.login("ann")).errors  # restored already: a sign-in and nothing more
    assert await events.new() == []

    sessions = sorted(
        session["id"]
        for session in (await api.execute(SESSIONS, token=login.data["login"]["accessToken"])).data["sessions"]
    )
    suspended = await api.execute(SUSPEND, {"userName": "ann", "reason": "spam"}, token=admin.token)
    assert not suspended.errors, suspended.body
    raised = await events.new()
    assert raised[0] == ("user.suspended", {"user": ref(ann, ann_id)})
    assert _revoked(raised) == [(session, "SESSION_ENDED") for session in sessions]
    assert "spam" not in json.dumps(raised)  # the reason is for admins
    await api.execute(SUSPEND, {"userName": "ann", "reason": "still spam"}, token=admin.token)
    assert await events.new() == []  # suspended already

    assert not (await api.execute(UNSUSPEND, {"userName": "ann"}, token=admin.token)).errors
    assert await events.new() == [("user.restored", {"user": ref(ann, ann_id), "from": "suspended"})]
    await api.execute(UNSUSPEND, {"userName": "ann"}, token=admin.token)
    assert await events.new() == []

    back = await api.login("ann")  # the suspension ended ann's sessions
    assert await events.new() == []
    not_admin = await api.execute(
        SUSPEND, {"userName": "admin", "reason": "x"}, token=back.data["login"]["accessToken"]
    )
    assert not_admin.code == "FORBIDDEN"
    assert await events.new() == []

    deleted = await api.execute(DELETE_USER, {"userName": "ann"}, token=admin.token)
    assert not deleted.errors, deleted.body
    assert await events.new() == [("user.deleted", {"user": ref(ann, ann_id), "purged": False})]


async def test_the_purge_deletes_a_deactivated_account_and_says_so(
    api: Api, settings: Settings, events: Recorder
) -> None:
    ann = await api.register("ann")
    ann_id = await _id("ann")
    await api.execute(DEACTIVATE, {"password": PASSWORD}, token=ann.token)
    await User.filter(id=ann_id).update(deactivated_at=datetime.now(UTC) - timedelta(days=2))
    await events.skip()

    purged = await run_once(settings.model_copy(update={"account_restore_days": 1.0}))
    again = await run_once(settings.model_copy(update={"account_restore_days": 1.0}))

    assert (purged.accounts, again.accounts) == (1, 0)
    assert not await User.filter(id=ann_id).exists()
    assert await events.new() == [("user.deleted", {"user": ref(ann, ann_id), "purged": True})]


# Hot reads raise nothing


async def test_reads_raise_nothing(api: Api, events: Recorder) -> None:
    ann = await api.register("ann")
    await api.register("bob")
    await events.skip()

    await api.me(ann.token)
    await api.execute("query U($n: String!) { user(userName: $n) { userName } }", {"n": "bob"}, token=ann.token)
    await api.execute('{ users(query: "b", first: 5) { edges { node { userName } } } }', token=ann.token)

    assert await events.new() == []


# No secret ever


async def test_no_event_of_a_whole_session_carries_a_secret(api: Api, settings: Settings) -> None:
    admin = await _admin(api)
    ann = await api.register("ann", email=ANN)
    bob = await api.register("bob")
    secrets: set[str] = {PASSWORD, NEW_PASSWORD, ann.token, ann.refresh_token, bob.token, bob.refresh_token}
    secrets.add(token := await _mailed_token("verify_email", ANN))
    await api.execute(VERIFY_EMAIL, {"token": token})
    await api.update_user(ann, bio="hi", providedOldPassword=PASSWORD, providedNewPassword=NEW_PASSWORD)
    login = await api.login("ann", NEW_PASSWORD)
    ann = Account(token=login.data["login"]["accessToken"], user=ann.user, password=NEW_PASSWORD)
    secrets |= {ann.token, login.data["login"]["refreshToken"]}
    await api.execute(FOLLOW, {"userName": "bob"}, token=ann.token)
    await api.execute(MAKE_PRIVATE, {"on": True}, token=bob.token)
    await api.execute(UNFOLLOW, {"userName": "bob"}, token=ann.token)
    await api.execute(REQUEST_RESET, {"email": ANN})
    await resolve_reset_requests(settings)
    secrets.add(token := await _mailed_token("reset_password", ANN))
    await api.execute(RESET, {"token": token, "newPassword": "third_password_99"})
    login = await api.login("ann", "third_password_99")
    secrets |= {"third_password_99", login.data["login"]["accessToken"], login.data["login"]["refreshToken"]}
    await api.execute(DEACTIVATE, {"password": "third_password_99"}, token=login.data["login"]["accessToken"])
    await api.login("ann", "third_password_99")
    await api.execute(SUSPEND, {"userName": "bob", "reason": "a private note"}, token=admin.token)
    await api.execute(UNSUSPEND, {"userName": "bob"}, token=admin.token)
    secrets |= {str(user.password_hash) for user in await User.all()}
    await api.execute(DELETE_USER, {"userName": "bob"}, token=admin.token)

    raised = await _events()
    assert {kind for kind, _ in raised} >= {
        "user.updated", "user.email_verified", "user.deactivated", "user.restored", "user.suspended",
        "user.deleted", "session.revoked", "follow.created", "follow.deleted",
    }  # fmt: skip
    for kind, data in raised:
        text = json.dumps(data)
        assert not [secret for secret in secrets if secret in text], (kind, data)
        assert not _keys(data) & SECRET_KEYS, (kind, data)
        assert "a private note" not in text  # the suspension's reason is for admins


SECRET_KEYS = {
    "password",
    "passwordHash",
    "token",
    "accessToken",
    "refreshToken",
    "code",
    "otp",
    "secret",
    "totpSecret",
}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return {str(key) for key in value} | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()
