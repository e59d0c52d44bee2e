"""Profile pictures raise user.updated (README, "Webhook events"): setting or removing a picture changes the
account's profileImage, through GraphQL (multipart) or the REST door alike; the same picture again, or removing
a picture that is not there, changes nothing and raises nothing. Read from the outbox table as the worker does."""

from __future__ import annotations

import json
from typing import Any

from models import User, WebhookEvent
from schema.nodes import global_id
from tests.support import Account, Api
from tests.support.pictures import REMOVE_PICTURE, png, upload
from tests.support.rest import Rest

PROFILE_IMAGE = ["profileImage"]


async def _events() -> list[tuple[str, dict[str, Any]]]:
    return [(event.type, json.loads(event.data)) for event in await WebhookEvent.all().order_by("id")]


async def _ref(name: str) -> dict[str, str]:
    user = await User.get(user_name=name)
    return {"id": str(global_id("User", user.id)), "userName": name}


async def _upload(api: Api, account: Account, data: bytes) -> None:
    response = await upload(api.client, data, token=account.token)
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_setting_replacing_and_removing_a_picture_each_raise_one_update(api: Api) -> None:
    ann = await api.register("ann")
    ann_ref = await _ref("ann")
    before = len(await _events())

    await _upload(api, ann, png(color=(10, 20, 30)))
    await _upload(api, ann, png(color=(10, 20, 30)))  # the same picture again: nothing changes
    await _upload(api, ann, png(color=(200, 0, 0)))  # another one replaces it
    removed = await api.execute(REMOVE_PICTURE, token=ann.token)
    again = await api.execute(REMOVE_PICTURE, token=ann.token)  # none left: nothing changes

    assert removed.data == again.data == {"removeProfileImage": {"userName": "ann", "profileImage": None}}
    changed = {"user": ann_ref, "changed": PROFILE_IMAGE}
    assert (await _events())[before:] == [("user.updated", changed)] * 3


async def test_an_upload_replacing_an_external_url_raises_an_update(api: Api) -> None:
    ann = await api.register("ann")
    await api.update_user(ann, profileImage="https://images.example.com/ann.png")
    before = len(await _events())

    await _upload(api, ann, png())

    assert (await _events())[before:] == [("user.updated", {"user": await _ref("ann"), "changed": PROFILE_IMAGE})]


async def test_removing_an_external_url_raises_an_update_and_removing_nothing_raises_none(api: Api) -> None:
    ann = await api.register("ann")
    await api.update_user(ann, profileImage="https://images.example.com/ann.png")
    before = len(await _events())

    await api.execute(REMOVE_PICTURE, token=ann.token)
    await api.execute(REMOVE_PICTURE, token=ann.token)

    assert (await _events())[before:] == [("user.updated", {"user": await _ref("ann"), "changed": PROFILE_IMAGE})]


async def test_the_rest_door_raises_the_same_events(api: Api) -> None:
    rest = Rest(api.client)
    ann = await rest.register("ann")
    token = ann["accessToken"]
    path = "/api/users/ann/profile-image"
    before = len(await _events())

    put = await rest.call("PUT", path, token=token, content=png())
    same = await rest.call("PUT", path, token=token, content=png())
    removed = await rest.call("DELETE", path, token=token)
    none_left = await rest.call("DELETE", path, token=token)

    assert [put.status_code, same.status_code, removed.status_code, none_left.status_code] == [200] * 4
    changed = {"user": await _ref("ann"), "changed": PROFILE_IMAGE}
    assert (await _events())[before:] == [("user.updated", changed)] * 2


async def test_a_refused_upload_raises_nothing(api: Api) -> None:
    ann = await api.register("ann")
    before = len(await _events())

    response = await upload(api.client, b"not a picture at all", token=ann.token)

    assert response.json()["errors"][0]["extensions"]["code"] == "IMAGE_UNSUPPORTED"
    assert (await _events())[before:] == []
