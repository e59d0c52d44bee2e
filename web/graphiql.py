"""GraphiQL without the internet: Strawberry's page, with the files it loads served by this server.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plug-in from a CDN, each pinned by
version and by an integrity hash. ``make graphiql`` (tools/fetch_graphiql.py) fetches exactly those
files from the npm registry into build/graphiql/. When all of them are there, the page points at
/graphiql/ instead, so GraphiQL works offline and behind a firewall; the integrity attributes stay,
so the browser still checks every file against the hash Strawberry pinned. When they are not there,
the page is Strawberry's own.

The page opens on this service's own example (``EXAMPLE``), not Strawberry's generic welcome, and no longer
mirrors the editors into the address bar: Strawberry's page rewrites the URL with the whole document and
its variables on every keystroke, so a password typed into a mutation would land in the browser's history
and in any link shared. A link with ``?q=`` still opens that document.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = logging.getLogger("app.graphiql")

ASSETS_DIR = Path(__file__).resolve().parents[1] / "build" / "graphiql"
MOUNT = "/graphiql"

# src="https://<cdn>/<package>@<version>/<file>" followed by integrity="sha384-..."; a leading
# "npm/" (one CDN's prefix) is not part of the package's path.
_ASSET = re.compile(r'="(?P<url>https://[^/"]+/(?:npm/)?(?P<path>[^"]+))"\s+integrity="(?P<integrity>[^"]+)"')


@dataclass(frozen=True)
class Asset:
    url: str
    path: str  # "<package>@<version>/<file>", e.g. "@graphiql/plugin-explorer@1.0.2/dist/style.css"
    integrity: str  # "sha384-<base64>", as in the page

    @property
    def package(self) -> str:
        """The npm package spec, e.g. "@graphiql/plugin-explorer@1.0.2"."""
        parts = self.path.split("/")
        return "/".join(parts[:2] if self.path.startswith("@") else parts[:1])

    @property
    def file(self) -> str:
        """The file's path inside the package, e.g. "dist/style.css"."""
        return self.path[len(self.package) + 1 :]


# What GraphiQL shows on first open: a session's first three steps (README, "A session in GraphiQL").
EXAMPLE = """# The user service. Run an operation with the play button (Ctrl-Enter); the book icon on the
# left documents every type, field and argument, with the error codes each operation returns.
#
# 1. Register (signs you in), or 2. log in. Then put the accessToken in the Headers pane below:
#    {"Authorization": "Bearer <accessToken>"}   and 3. ask who you are.

mutation Register {
  register(input: {userName: "ada", password: "choose-a-long-password", email: "ada@example.com"}) {
    accessToken
    user { id userName }
  }
}

mutation Login {
  login(userName: "ada", password: "choose-a-long-password") { accessToken expiresIn refreshToken }
}

query Me {
  me { userName email bio followersCount followingCount profile { accountPrivacy } }
}
"""

# Strawberry's page, as of the pinned version: its welcome text, and the two calls that write the editors
# into the URL. A page without them (a newer Strawberry) is served as it is, with a warning.
_WELCOME = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)
_MIRRORS = ("updateURL({ q: newQuery });", "updateURL({ variables: newVariables });")


def for_this_service(page: str) -> str:
    """Strawberry's GraphiQL page opening on ``EXAMPLE``, its editors kept out of the address bar."""
    if not _WELCOME.search(page) or not all(mirror in page for mirror in _MIRRORS):
        log.warning("GraphiQL: Strawberry's page changed; it opens on its own text and may mirror editors to the URL.")
        return page
    example = EXAMPLE.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    page = _WELCOME.sub(lambda _: f"const EXAMPLE_QUERY = `{example}`;", page, count=1)
    for mirror in _MIRRORS:
        page = page.replace(mirror, "")
    return page


def assets(page: str) -> list[Asset]:
    """The scripts and style sheets a GraphiQL page loads from elsewhere."""
    return [Asset(m["url"], m["path"], m["integrity"]) for m in _ASSET.finditer(page)]


def offline_page(page: str, directory: Path = ASSETS_DIR) -> str:
    """``page`` loading its files from MOUNT, if all of them are in ``directory``; else ``page`` as it is."""
    needed = assets(page)
    missing = [asset.path for asset in needed if not (directory / asset.path).is_file()]
    if missing:
        log.warning("GraphiQL loads its files from a CDN: %s not fetched; run `make graphiql`.", ", ".join(missing))
        return page
    for asset in needed:
        page = page.replace(asset.url, f"{MOUNT}/{asset.path}")
    return page


class Assets(StaticFiles):
    """build/graphiql/ under MOUNT; like GraphiQL itself, not served in production."""

    async def check_config(self) -> None:
        """A folder not fetched (yet) makes each file a 404, not a server error."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["app"].state.settings.is_production:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
