"""Download my data (issue 25): a scripted account asks for its export, the builder makes it, the owner gets a mail
with a one-time link, and the archive holds everything about the account and nothing secret."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models import DataExport, Passkey, ProviderLink, RecoveryCode, RefreshToken, TwoFactorSecret, User
from services import maintenance
from services.exports import builder
from settings import Settings
from tests.graphql.test_passkeys import add_passkey
from tests.graphql.test_two_factor import enable
from tests.support import DELETE_USER, Account, Api
from tests.support.authenticator import SoftAuthenticator
from tests.support.exports import exports_of, request_export, unzipped
from tests.support.mail import Mailer, mailer_for, text_of, token_in
from tests.support.social import BLOCK, MAKE_PRIVATE, act, follow

ANN = "ann@example.com"
FILES = {
    "README.txt",
    "account.json",
    "sessions.json",
    "security_events.json",
    "follows.json",
    "followers.json",
    "follow_requests.json",
    "blocks.json",
    "following.csv",
    "followers.csv",
}
ROUNDS = 30


@pytest.fixture
async def mail(db: str, settings: Settings) -> AsyncIterator[Mailer]:
    async with mailer_for(db, settings, public_url="https://api.example.test") as mailer:
        yield mailer


async def built(settings: Settings) -> None:
    """Build what is due, as each server's background builder does."""
    await builder.Builder(settings).build_due()


async def ready_export(api: Api, account: Account, settings: Settings) -> dict[str, Any]:
    requested = await request_export(api, account)
    assert not requested.errors, requested.body
    await built(settings)
    [export] = [e for e in await exports_of(api, account) if e["id"] == requested.data["requestDataExport"]["id"]]
    assert export["status"] == "READY", export
    return export


def bearer(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.token}"}


def path_of(url: str) -> str:
    return url[url.index("/exports/") :]


async def test_a_scripted_account_gets_everything_in_its_archive_and_nothing_secret(mail: Mailer) -> None:
    api = mail.api
    ann = await api.register("ann", email=ANN, firstName="Ann", lastName="Lee", phoneNumber="+4915112345678")
    bob = await api.register("bob")
    cat = await api.register("cat")
    dan = await api.register("dan")
    await api.register("eve")
    logins = [(await api.login("ann")).data["login"] for _ in range(2)]
    wrong = await api.login("ann", "not the password")
    assert wrong.errors
    changed = await api.update_user(
        ann, bio="Hello, I am Ann.", profileImage="https://images.example.com/ann.png", pushNotifications=True
    )
    assert not changed.errors, changed.body
    await api.execute(
        'mutation { updateProfile(input: {website: "https://ann.example", gender: "f"}) { userName } }', token=ann.token
    )
    assert await follow(api, ann, "bob") == "FOLLOWING"
    assert await follow(api, bob, "ann") == "FOLLOWING"
    await api.execute(MAKE_PRIVATE, {"on": True}, token=dan.token)
    assert await follow(api, ann, "dan") == "REQUESTED"  # outgoing request
    await api.execute(MAKE_PRIVATE, {"on": True}, token=ann.token)
    assert await follow(api, cat, "ann") == "REQUESTED"  # incoming request
    blocked = await act(api, BLOCK, ann, "eve")
    assert not blocked.errors, blocked.body
    passkey = await add_passkey(api, ann.token, SoftAuthenticator(), "Laptop")
    two_factor = await enable(api, ann)
    # A linked provider, as finishProviderLink leaves it (the OIDC flow itself is tested in test_providers.py).
    user = await User.get(user_name="ann")
    await ProviderLink.create(user_id=user.id, provider="github", subject="gh-subject-8675309", email="a@gh.test")

    requested = await request_export(api, ann)
    assert not requested.errors, requested.body
    record = requested.data["requestDataExport"]
    assert record["status"] == "PENDING" and record["downloadUrl"] is None
    async with builder.running(mail.settings):  # woken by the request's commit, as in the server
        [ready_mail] = await mail.sink.wait_for(ANN, "Your data export is ready")

    text = text_of(ready_mail)
    link = f"https://api.example.test/exports/{record['id']}?token={token_in(ready_mail)}"
    assert link in text and "7 days" in text
    response = await api.client.get(path_of(link))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    files = unzipped(response.content)
    assert set(files) == FILES

    account = json.loads(files["account.json"])
    assert account["format"] == 1
    assert account["account"]["userName"] == "ann" and account["account"]["email"] == ANN
    assert account["account"]["firstName"] == "Ann" and account["account"]["phoneNumber"] == "+4915112345678"
    assert account["account"]["followersCount"] == 1 and account["account"]["followingCount"] == 1
    assert account["profile"]["bio"] == "Hello, I am Ann."
    assert account["profile"]["profileImage"] == "https://images.example.com/ann.png"
    assert (account["profile"]["website"], account["profile"]["gender"]) == ("https://ann.example", "f")
    assert account["settings"] == {"accountPrivacy": True, "pushNotifications": True}
    methods = account["signInMethods"]
    assert methods["password"] is True and methods["twoFactorEnabled"] is True
    assert [p["name"] for p in methods["passkeys"]] == ["Laptop"] and set(methods["passkeys"][0]) == {
        "name",
        "createdAt",
        "lastUsedAt",
    }
    assert [(p["provider"], set(p)) for p in methods["linkedProviders"]] == [("github", {"provider", "linkedAt"})]
    sessions = json.loads(files["sessions.json"])
    assert len(sessions) == 3 and {s["signInMethod"] for s in sessions} == {"password"}
    kinds = [event["kind"] for event in json.loads(files["security_events.json"])]
    assert kinds.count("LOGIN") == 2 and "LOGIN_FAILED" in kinds and "PASSKEY_ADDED" in kinds
    assert "TWO_FACTOR_ENABLED" in kinds
    assert [f["userName"] for f in json.loads(files["follows.json"])] == ["bob"]
    assert [f["userName"] for f in json.loads(files["followers.json"])] == ["bob"]
    requests = json.loads(files["follow_requests.json"])
    assert [r["userName"] for r in requests["incoming"]] == ["cat"]
    assert [r["userName"] for r in requests["outgoing"]] == ["dan"]
    assert [b["userName"] for b in json.loads(files["blocks.json"])] == ["eve"]
    following = list(csv.reader(io.StringIO(files["following.csv"].decode())))
    followers = list(csv.reader(io.StringIO(files["followers.csv"].decode())))
    assert following[0] == followers[0] == ["userName", "followedAt"]
    assert [row[0] for row in following[1:]] == ["bob"] and [row[0] for row in followers[1:]] == ["bob"]
    assert following[1][1] == json.loads(files["follows.json"])[0]["followedAt"]
    readme = files["README.txt"].decode()
    assert all(name in readme for name in FILES - {"README.txt"})

    # Nothing secret, in any file: hashes, tokens, the TOTP secret, recovery codes, passkey keys.
    stored = await Passkey.get(user_id=user.id)
    link = await ProviderLink.get(user_id=user.id)
    secrets = [
        "$2b$",
        user.password_hash,
        ann.token,
        ann.refresh_token,
        *[login["accessToken"] for login in logins],
        *[login["refreshToken"] for login in logins],
        two_factor.secret,
        *two_factor.recovery_codes,
        *[code.code_hash for code in await RecoveryCode.filter(user_id=user.id)],
        *[row.token_hash for row in await RefreshToken.filter(session__user_id=user.id)],
        (await TwoFactorSecret.get(user_id=user.id)).encrypted_secret,
        stored.credential_id,
        stored.public_key,
        stored.credential_key,
        stored.user_handle,
        link.subject,
        token_in(ready_mail),
    ]
    assert passkey["name"] == "Laptop"
    for name, data in files.items():
        content = data.decode("utf-8")
        leaked = [secret for secret in secrets if secret and secret in content]
        assert leaked == [], (name, leaked)


async def test_one_export_a_day(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")

    first = await request_export(api, ann)
    second = await request_export(api, ann)

    assert not first.errors, first.body
    assert second.code == "TOO_MANY_REQUESTS"
    extensions = second.error["extensions"]
    assert extensions["reason"] == "EXPORT_TOO_SOON"
    requested_at = datetime.fromisoformat(first.data["requestDataExport"]["requestedAt"])
    next_at = datetime.fromisoformat(extensions["nextPossibleAt"])
    assert abs(next_at - (requested_at + timedelta(days=1))) < timedelta(seconds=1)
    assert 86_000 < extensions["retryAfter"] <= 86_400
    assert len(await exports_of(api, ann)) == 1


async def test_an_export_that_failed_for_good_does_not_count_as_the_days(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")
    first = await request_export(api, ann)
    await DataExport.filter(id=int(first.data["requestDataExport"]["id"])).update(status="failed")

    again = await request_export(api, ann)

    assert not again.errors, again.body
    assert [e["status"] for e in await exports_of(api, ann)] == ["PENDING", "FAILED"]


async def test_requests_at_the_same_moment_make_one_export(api: Api) -> None:
    account = await api.register("racer")
    for _ in range(ROUNDS):
        await DataExport.all().delete()  # a new day
        barrier = asyncio.Barrier(2)

        async def ask(barrier: asyncio.Barrier = barrier) -> Any:
            await barrier.wait()
            return await request_export(api, account)

        results = await asyncio.gather(ask(), ask())

        assert sorted(bool(r.errors) for r in results) == [False, True], [r.body for r in results]
        assert [r.code for r in results if r.errors] == ["TOO_MANY_REQUESTS"]
        assert len(await exports_of(api, account)) == 1


async def test_the_mailed_link_works_once_and_the_owner_downloads_with_a_token(mail: Mailer) -> None:
    api = mail.api
    ann = await api.register("ann", email=ANN)
    bob = await api.register("bob")
    export = await ready_export(api, ann, mail.settings)
    [ready_mail] = await mail.sink.wait_for(ANN, "Your data export is ready")
    token = token_in(ready_mail)
    path = f"/exports/{export['id']}"
    assert export["downloadUrl"] == f"https://api.example.test{path}"
    assert export["size"] > 0 and export["readyAt"] and export["expiresAt"]
    ready_at, expires_at = datetime.fromisoformat(export["readyAt"]), datetime.fromisoformat(export["expiresAt"])
    assert expires_at - ready_at == timedelta(days=7)

    checked = await api.client.head(path, params={"token": token})  # a link checker's look spends nothing
    first = await api.client.get(path, params={"token": token})
    again = await api.client.get(path, params={"token": token})
    owner = await api.client.get(path, headers=bearer(ann))
    stranger = await api.client.get(path, headers=bearer(bob))
    anonymous = await api.client.get(path)

    assert checked.status_code == 405
    assert first.status_code == 200 and first.content[:2] == b"PK"
    assert again.status_code == 410 and again.json()["errors"][0]["extensions"] == {
        "code": "GONE",
        "reason": "EXPORT_LINK_USED",
    }
    assert owner.status_code == 200 and owner.content == first.content
    assert owner.headers["cache-control"] == "no-store"
    assert stranger.status_code == 404
    assert stranger.json()["errors"][0]["extensions"]["reason"] == "EXPORT_NOT_FOUND"
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_wrong_token_and_an_unknown_export_get_one_answer(mail: Mailer) -> None:
    api = mail.api
    ann = await api.register("ann", email=ANN)
    export = await ready_export(api, ann, mail.settings)
    [ready_mail] = await mail.sink.wait_for(ANN, "Your data export is ready")
    token = token_in(ready_mail)

    answers = [
        await api.client.get(
            f"/exports/{export['id']}", params={"token": token[:-1] + ("A" if token[-1] != "A" else "B")}
        ),
        await api.client.get(f"/exports/{int(export['id']) + 1000}", params={"token": token}),
        await api.client.get(f"/exports/{export['id']}", params={"token": ""}),
        await api.client.get("/exports/not-a-number", params={"token": token}),
        await api.client.get(f"/exports/{export['id']}", params={"token": "x" * 5000}),
    ]

    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json() == answers[0].json()
        assert answer.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND", "reason": "EXPORT_LINK_INVALID"}
        assert token not in answer.text
    still = await api.client.get(f"/exports/{export['id']}", params={"token": token})
    assert still.status_code == 200  # the wrong tries did not spend it


async def test_an_export_not_ready_yet_is_refused_with_its_reason(api: Api) -> None:
    ann = await api.register("ann")
    requested = await request_export(api, ann)

    response = await api.client.get(f"/exports/{requested.data['requestDataExport']['id']}", headers=bearer(ann))

    assert response.status_code == 409
    assert response.json()["errors"][0]["extensions"] == {"code": "CONFLICT", "reason": "EXPORT_NOT_READY"}


async def test_expiry_deletes_the_file_and_ends_both_ways_to_download(mail: Mailer) -> None:
    api = mail.api
    ann = await api.register("ann", email=ANN)
    export = await ready_export(api, ann, mail.settings)
    [ready_mail] = await mail.sink.wait_for(ANN, "Your data export is ready")
    row = await DataExport.get(id=int(export["id"]))
    folder = mail.settings.data_dir / "exports"
    assert row.storage_key is not None and (folder / row.storage_key).is_file()

    # Seven days pass.
    await DataExport.filter(id=row.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    purged = await maintenance.run_once(mail.settings)

    assert purged.data_exports == 1
    assert not (folder / row.storage_key).exists()
    assert [path for path in folder.rglob("*") if path.is_file()] == []
    path = f"/exports/{export['id']}"
    for response in (
        await api.client.get(path, params={"token": token_in(ready_mail)}),
        await api.client.get(path, headers=bearer(ann)),
    ):
        assert response.status_code == 410
        assert response.json()["errors"][0]["extensions"] == {"code": "GONE", "reason": "EXPORT_EXPIRED"}
    [listed] = await exports_of(api, ann)
    assert listed["status"] == "EXPIRED" and listed["downloadUrl"] is None


async def test_deleting_the_account_deletes_its_archives_at_the_next_clean_up(mail: Mailer) -> None:
    api = mail.api
    ann = await api.register("ann", email=ANN)
    export = await ready_export(api, ann, mail.settings)
    [ready_mail] = await mail.sink.wait_for(ANN, "Your data export is ready")
    folder = mail.settings.data_dir / "exports"
    assert len([path for path in folder.rglob("*") if path.is_file()]) == 1

    deleted = await api.execute(DELETE_USER, {"userName": "ann"}, token=ann.token)
    assert not deleted.errors, deleted.body
    meanwhile = await api.client.get(f"/exports/{export['id']}", params={"token": token_in(ready_mail)})
    purged = await maintenance.run_once(mail.settings)

    assert meanwhile.status_code == 410
    assert meanwhile.json()["errors"][0]["extensions"]["reason"] == "EXPORT_EXPIRED"
    assert purged.data_exports == 1
    assert [path for path in folder.rglob("*") if path.is_file()] == []
    assert await DataExport.all().count() == 0
