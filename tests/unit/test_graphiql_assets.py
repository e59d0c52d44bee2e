"""Which files Strawberry's GraphiQL page loads, and how the page is pointed at local copies."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from strawberry.http.ides import get_graphql_ide_html

from web.graphiql import MOUNT, Asset, assets, offline_page

PAGE = get_graphql_ide_html()


def test_the_page_pins_each_file_by_version_and_hash() -> None:
    found = assets(PAGE)

    assert {asset.package.rsplit("@", 1)[0] for asset in found} >= {"react", "react-dom", "graphiql"}
    assert all(asset.integrity.startswith("sha384-") for asset in found)
    assert all("@" in asset.package.lstrip("@") for asset in found)  # a version is pinned


@pytest.mark.parametrize(
    ("url", "package", "file"),
    [
        ("https://cdn.example/react@18.2.0/umd/react.production.min.js", "react@18.2.0", "umd/react.production.min.js"),
        (
            "https://cdn.example/@graphiql/plugin-explorer@1.0.2/dist/style.css",
            "@graphiql/plugin-explorer@1.0.2",
            "dist/style.css",
        ),
        ("https://cdn.example/npm/graphiql@3.8.3/graphiql.min.js", "graphiql@3.8.3", "graphiql.min.js"),
    ],
)
def test_package_and_file_are_read_from_the_url(url: str, package: str, file: str) -> None:
    (asset,) = assets(f'<script src="{url}" integrity="sha384-x"></script>')

    assert (asset.package, asset.file) == (package, file)
    assert asset == Asset(url, f"{package}/{file}", "sha384-x")


def test_with_every_file_fetched_the_page_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    for asset in assets(PAGE):
        (tmp_path / asset.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / asset.path).write_text("// fetched")

    page = offline_page(PAGE, tmp_path)

    loaded = [url for url in re.findall(r'(?:src|href)="([^"]+)"', page) if not url.startswith("data:")]
    assert loaded == [f"{MOUNT}/{asset.path}" for asset in assets(PAGE)]


def test_with_a_file_missing_the_page_is_strawberrys_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.graphiql"):
        page = offline_page(PAGE, tmp_path)

    assert page == PAGE
    assert "make graphiql" in caplog.text


def test_without_npm_make_graphiql_succeeds_and_says_the_page_uses_the_cdn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make test` depends on `make graphiql`, so a machine without npm must still get through it."""
    from tools import fetch_graphiql

    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no npm on it

    assert fetch_graphiql.main() == 0
    assert "npm not found" in capsys.readouterr().err


def test_the_page_opens_on_this_services_example_and_never_writes_the_editors_to_the_url() -> None:
    from web.graphiql import EXAMPLE, for_this_service

    page = for_this_service(PAGE)

    assert EXAMPLE.splitlines()[0] in page and "Welcome to GraphiQL" not in page
    assert "updateURL({ q:" not in page and "updateURL({ variables:" not in page
    assert "updateURL({ q:" in PAGE  # what Strawberry's own page does, and this test guards against
