"""Profile pictures over HTTP (issue 25): GraphQL multipart uploads behind the preflight-header CSRF guard,
profileImage(size:) URLs served by /media with their headers, replace, remove, delete and purge removing the
files, the REST door's PUT and DELETE, and the byte cap while reading."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from main import create_app
from models import User
from services import maintenance
from settings import Settings
from tests.support import Account, Api, replace
from tests.support.pictures import PREFLIGHT, REMOVE_PICTURE, SVG, multipart, picture, png, upload
from tests.support.rest import Rest, errors_of

SIZES = "query { me { a: profileImage(size: 1) b: profileImage(size: 48) c: profileImage(size: 49) d: profileImage(size: 129) e: profileImage(size: 4096) f: profileImage } }"  # noqa: E501
DEACTIVATE = "mutation Deactivate($password: String!) { deactivateAccount(password: $password) }"
DELETE = "mutation Delete($n: String!, $p: String) { deleteUser(userName: $n, password: $p) { userName } }"
FRONT_END = "https://app.example"


def stored(settings: Settings) -> list[str]:
    root = settings.data_dir / "media"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def noise(side: int) -> bytes:
    """A PNG that does not compress: about 3 * side * side bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


@asynccontextmanager
async def client_for(settings: Settings, db: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, backend=db)


async def uploaded(api: Api, account: Account, data: bytes) -> dict[str, str]:
    response = await upload(api.client, data, token=account.token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["setProfileImage"])


async def test_an_upload_with_the_preflight_header_is_stored_and_served_from_its_url(
    api: Api, settings: Settings
) -> None:
    ann = await api.register("ann")

    answer = await uploaded(api, ann, picture("JPEG", (640, 480)))
    served = await api.client.get(answer["profileImage"])
    small = await api.client.get(answer["small"])

    assert answer["profileImage"].startswith("http://testserver/media/avatars/")
    assert answer["profileImage"].endswith("/400.webp") and answer["small"].endswith("/48.webp")
    assert served.status_code == small.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(served.content)).size == (400, 400)
    assert Image.open(io.BytesIO(small.content)).size == (48, 48)
    assert len(stored(settings)) == 4  # 400, 128, 48 and the original
    me = (await api.me(ann.token)).data["me"]
    assert me["profileImage"] == answer["profileImage"]


async def test_a_multipart_request_without_a_preflight_header_is_refused_and_nothing_stored(
    api: Api, settings: Settings
) -> None:
    ann = await api.register("ann")

    bare = await upload(api.client, png(), token=ann.token, headers={})
    empty = await upload(api.client, png(), token=ann.token, headers={"Apollo-Require-Preflight": " "})
    by_name = await upload(api.client, png(), token=ann.token, headers={"X-Apollo-Operation-Name": "Set"})

    for refused in (bare, empty):
        assert refused.status_code == 400
        assert refused.headers["content-type"].startswith("application/json")
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "Apollo-Require-Preflight" in error["message"]
    assert by_name.status_code == 200 and "errors" not in by_name.json()  # Apollo's other header
    assert len(stored(settings)) == 4  # only the accepted upload's


async def test_profile_image_size_is_the_nearest_stored_size_at_least_as_large(api: Api) -> None:
    ann = await api.register("ann")
    await uploaded(api, ann, png((500, 500)))

    me = (await api.execute(SIZES, token=ann.token)).data["me"]
    zero = await api.execute("{ me { profileImage(size: 0) } }", token=ann.token)

    ends = {key: urlsplit(url).path.rsplit("/", 1)[1] for key, url in me.items()}
    assert ends == {"a": "48.webp", "b": "48.webp", "c": "128.webp", "d": "400.webp", "e": "400.webp", "f": "400.webp"}
    assert zero.code == "BAD_USER_INPUT" and zero.field == "size"


async def test_replacing_deletes_the_old_files_after_the_new_are_in_place(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")
    first = await uploaded(api, ann, png(color=(255, 0, 0)))
    before = stored(settings)

    second = await uploaded(api, ann, png(color=(0, 0, 255)))

    assert first["profileImage"] != second["profileImage"]
    assert (await api.client.get(first["profileImage"])).status_code == 404
    assert (await api.client.get(second["profileImage"])).status_code == 200
    after = stored(settings)
    assert len(after) == 4 and not set(before) & set(after)


async def test_remove_and_an_external_url_delete_the_files(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")
    first = await uploaded(api, ann, png())

    removed = await api.execute(REMOVE_PICTURE, token=ann.token)
    assert removed.data["removeProfileImage"]["profileImage"] is None
    assert stored(settings) == []
    assert (await api.client.get(first["profileImage"])).status_code == 404

    await uploaded(api, ann, png())
    external = await api.update_user(ann, profileImage="https://cdn.example/ann.png")
    assert not external.errors, external.body
    me = (await api.execute("{ me { profileImage(size: 48) } }", token=ann.token)).data["me"]
    assert me["profileImage"] == "https://cdn.example/ann.png"  # as sent: size does not apply
    assert stored(settings) == []

    await uploaded(api, ann, png())  # and an upload replaces the external URL
    assert (await api.me(ann.token)).data["me"]["profileImage"].startswith("http://testserver/media/")


async def test_deleting_or_purging_an_account_deletes_its_files(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")
    bob = await api.register("bob")
    await uploaded(api, ann, png())
    await uploaded(api, bob, png())
    assert len(stored(settings)) == 8

    deleted = await api.execute(DELETE, {"n": "ann", "p": ann.password}, token=ann.token)
    assert not deleted.errors, deleted.body
    assert len(stored(settings)) == 4  # bob's

    await api.execute(DEACTIVATE, {"password": bob.password}, token=bob.token)
    await asyncio.sleep(1.1)
    purged = await maintenance.run_once(replace(settings, account_restore_days=1 / 86400))
    assert purged.accounts == 1
    assert stored(settings) == []


async def test_another_users_picture_is_refused_but_an_admin_may_set_it(api: Api, settings: Settings) -> None:
    ann = await api.register("ann")
    bob = await api.register("bob")
    root = await api.register("root")
    await User.filter(user_name_key="root").update(is_admin=True)  # as `python main.py create-admin` does
    document = 'mutation($f: Upload!) { setProfileImage(file: $f, userName: "ann") { userName profileImage } }'

    async def as_(account: Account) -> httpx.Response:
        parts = multipart(document, {}, {"f": ("x.png", png(), "image/png")})
        return await api.client.post(
            "/graphql", headers={"Authorization": f"Bearer {account.token}", **PREFLIGHT}, **parts
        )

    refused = await as_(bob)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert stored(settings) == []

    allowed = (await as_(root)).json()["data"]["setProfileImage"]
    assert allowed["userName"] == "ann" and allowed["profileImage"].startswith("http://testserver/media/")
    assert (await api.me(ann.token)).data["me"]["profileImage"] == allowed["profileImage"]


async def test_errors_of_an_upload_with_introspection_off_hide_nothing_and_break_nothing(
    db: str, settings: Settings
) -> None:
    async with client_for(replace(settings, graphql_introspection=False), db) as api:
        ann = await api.register("ann")
        bad = await upload(api.client, SVG, token=ann.token)
        typo = await api.client.post(
            "/graphql",
            headers={"Authorization": f"Bearer {ann.token}", **PREFLIGHT},
            **multipart(
                "mutation($file: Upload!) { setProfileImag(file: $file) { userName } }",
                {},
                {"file": ("a.png", png(), "image/png")},
            ),
        )

    assert bad.json()["errors"][0]["extensions"]["code"] == "IMAGE_UNSUPPORTED"
    assert typo.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "setProfileImage" not in typo.text  # no suggestion of the schema's names with introspection off


@pytest.mark.parametrize(
    ("data", "code"),
    [(SVG, "IMAGE_UNSUPPORTED"), (png() + b"PK\x03\x04", "IMAGE_UNREADABLE"), (png()[:-20], "IMAGE_UNREADABLE")],
)
async def test_a_bad_upload_is_its_code_on_the_file_and_nothing_is_stored(
    api: Api, settings: Settings, data: bytes, code: str
) -> None:
    ann = await api.register("ann")

    response = await upload(api.client, data, token=ann.token, name="me.png", declared="image/png")

    error = response.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, "file")
    assert stored(settings) == []


async def test_uploads_may_pass_max_body_bytes_but_not_media_max_bytes(db: str, settings: Settings) -> None:
    small = replace(settings, max_body_bytes=10_000, media_max_bytes=200_000)
    async with client_for(small, db) as api:
        ann = await api.register("ann")
        fits = await upload(api.client, noise(200), token=ann.token)  # ~120 KB: over MAX_BODY_BYTES
        over = await upload(api.client, noise(258), token=ann.token)  # ~200 KB + a little: over the file cap
        far_over = await upload(api.client, noise(400), token=ann.token)  # ~480 KB: over the body's cap
        json_body = await api.client.post("/graphql", json={"query": "{ __typename }", "padding": "x" * 20_000})

    assert fits.status_code == 200 and "errors" not in fits.json(), fits.text
    assert over.json()["errors"][0]["extensions"]["code"] == "IMAGE_TOO_LARGE"
    assert far_over.status_code == 413
    assert json_body.status_code == 413  # other requests keep MAX_BODY_BYTES
    assert len(stored(small)) == 4


async def test_media_serves_only_stored_pictures(api: Api) -> None:
    ann = await api.register("ann")
    url = (await uploaded(api, ann, png()))["profileImage"]
    path = urlsplit(url).path
    stem = path.rsplit("/", 1)[0]

    answers = {
        candidate: (await api.client.get(candidate)).status_code
        for candidate in [
            "/media/",
            "/media/avatars",
            "/media/avatars/",
            stem,
            stem + "/400.png",
            stem + "/401.webp",
            "/media/avatars/" + "0" * 32 + "/400.webp",
            "/media/../settings.py",
            "/media/%2e%2e/%2e%2e/settings.py",
            "/media/avatars/..%2f..%2fsettings.py",
        ]
    }
    head = await api.client.head(path)

    assert set(answers.values()) == {404}, answers
    assert head.status_code == 200 and head.headers["content-type"] == "image/webp"


async def test_urls_use_media_base_url_or_public_url(db: str, settings: Settings) -> None:
    for name, changes, start in [
        ("ann", {"public_url": "https://api.example"}, "https://api.example/media/avatars/"),
        (
            "bob",
            {"public_url": "https://api.example", "media_base_url": "https://cdn.example/m"},
            "https://cdn.example/m/avatars/",
        ),
    ]:
        async with client_for(replace(settings, **changes), db) as api:
            account = await api.register(name)
            assert (await uploaded(api, account, png()))["profileImage"].startswith(start)


async def test_uploads_work_in_cookie_mode_across_origins(db: str, settings: Settings) -> None:
    cookies = replace(settings, auth_cookies=True, cors_origins=(FRONT_END,))
    asked = {
        "Origin": FRONT_END,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "apollo-require-preflight,authorization",
    }
    async with client_for(cookies, db) as api:
        ann = await api.register("ann")
        preflight = await api.client.options("/graphql", headers=asked)
        response = await upload(api.client, png(), token=ann.token, headers={**PREFLIGHT, "Origin": FRONT_END})

    assert preflight.status_code == 200
    assert "apollo-require-preflight" in preflight.headers["access-control-allow-headers"].lower()
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    assert response.headers["access-control-allow-origin"] == FRONT_END


async def test_rest_put_and_delete_of_the_profile_image(api: Api, settings: Settings) -> None:
    rest = Rest(api.client)
    ann = await rest.register("ann")
    bob = await rest.register("bob")
    path = "/api/users/ann/profile-image"

    put = await rest.call(
        "PUT", path, token=ann["accessToken"], content=picture("GIF"), headers={"Content-Type": "text/plain"}
    )
    svg = await rest.call("PUT", path, token=ann["accessToken"], content=SVG, headers={"Content-Type": "image/png"})
    other = await rest.call("PUT", path, token=bob["accessToken"], content=png())
    anonymous = await rest.call("PUT", path, content=png())
    served = await api.client.get(put.json()["profileImage"])

    assert put.status_code == 200 and put.json()["userName"] == "ann"
    assert put.json()["profileImage"].startswith("http://testserver/media/avatars/")
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert svg.status_code == 422 and errors_of(svg) == [("IMAGE_UNSUPPORTED", "file")]
    assert other.status_code == 403
    assert anonymous.status_code == 401
    assert len(stored(settings)) == 4

    removed = await rest.call("DELETE", path, token=ann["accessToken"])
    assert removed.status_code == 200 and removed.json()["profileImage"] is None
    assert stored(settings) == []


async def test_rest_put_over_the_cap_is_413_and_stops_reading(db: str, settings: Settings, tmp_path: Path) -> None:
    small = replace(settings, media_max_bytes=50_000)
    chunks_sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        for _ in range(1_000):  # 16 MB if read to the end
            chunks_sent += 1
            yield b"\0" * 16_384

    async with client_for(small, db) as api:
        rest = Rest(api.client)
        ann = await rest.register("ann")
        over = await rest.call("PUT", "/api/users/ann/profile-image", token=ann["accessToken"], content=noise(150))
        streamed = await api.client.put(
            "/api/users/ann/profile-image", headers={"Authorization": f"Bearer {ann['accessToken']}"}, content=body()
        )

    assert over.status_code == 413 and errors_of(over)[0][0] in ("IMAGE_TOO_LARGE", "PAYLOAD_TOO_LARGE")
    assert streamed.status_code == 413
    assert chunks_sent < 20  # refused a few chunks past the cap, not after the whole body
    assert stored(small) == []
