"""A profile picture uploaded from a real browser (issue 25): a page of another origin (listed in CORS_ORIGINS)
signs up, uploads a picture it drew on a canvas as a GraphQL multipart request (the spec Apollo Upload Client
and urql send: operations, map and the file, with the Apollo-Require-Preflight header, so the browser asks
first), then shows it in an <img> from the URL the answer returned. Without the header the server refuses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import NEEDS_CHROMIUM
from tests.support.servers import Server, running_server
from tests.support.static_site import static_site

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>picture</title></head><body>
<canvas id="drawing" width="320" height="240"></canvas><img id="avatar" alt="avatar">
<script>
const API = new URLSearchParams(location.search).get("api");
let accessToken = null;

async function graphql(query, variables) {
  const headers = {"Content-Type": "application/json"};
  if (accessToken) headers.Authorization = "Bearer " + accessToken;
  const response = await fetch(API + "/graphql", {method: "POST", headers, body: JSON.stringify({query, variables})});
  return response.json();
}

// The GraphQL multipart request specification, as apollo-upload-client's createUploadLink writes it.
async function uploadPicture(blob, withPreflight) {
  const query = "mutation ($file: Upload!) { setProfileImage(file: $file) { profileImage(size: 128) } }";
  const form = new FormData();
  form.append("operations", JSON.stringify({query, variables: {file: null}}));
  form.append("map", JSON.stringify({"1": ["variables.file"]}));
  form.append("1", blob, "drawing.png");
  const headers = {Authorization: "Bearer " + accessToken};
  if (withPreflight) headers["Apollo-Require-Preflight"] = "true";
  const response = await fetch(API + "/graphql", {method: "POST", headers, body: form});
  return {status: response.status, body: await response.json()};
}

function drawing() {
  const canvas = document.getElementById("drawing");
  const context = canvas.getContext("2d");
  context.fillStyle = "#c0392b"; context.fillRect(0, 0, 320, 240);
  context.fillStyle = "#2980b9"; context.fillRect(80, 40, 160, 160);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

window.signUp = async (userName) => {
  const result = await graphql(
    "mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }",
    {input: {userName, password: "secure_password123"}});
  accessToken = result.data.register.accessToken;
};
window.upload = async (withPreflight) => uploadPicture(await drawing(), withPreflight);
window.show = (url) => new Promise((resolve) => {
  const img = document.getElementById("avatar");
  img.onload = () => resolve({width: img.naturalWidth, height: img.naturalHeight});
  img.onerror = () => resolve({width: 0, height: 0});
  img.src = url;
});
</script></body></html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    with static_site(PAGE.encode()) as front_end, running_server(tmp_path, CORS_ORIGINS=front_end) as server:
        yield server, front_end


def test_a_browser_uploads_a_picture_and_shows_it_from_the_returned_url(
    browser: Browser, site: tuple[Server, str]
) -> None:
    server, front_end = site
    page = browser.new_page()
    page.goto(f"{front_end}/?api={server.url}")
    page.evaluate("signUp('ada')")

    refused = page.evaluate("upload(false)")
    answer = page.evaluate("upload(true)")

    assert refused["status"] == 400, refused
    assert refused["body"]["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert answer["status"] == 200, answer
    url = answer["body"]["data"]["setProfileImage"]["profileImage"]
    assert url.startswith(server.url + "/media/avatars/") and url.endswith("/128.webp")
    shown = page.evaluate("show", url)
    assert shown == {"width": 128, "height": 128}  # naturalWidth > 0: the browser decoded what /media served
