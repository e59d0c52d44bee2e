"""GraphiQL without the internet: Strawberry's page, with the files it loads served by this server.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plug-in from a CDN, each pinned by
version and by an integrity hash. ``make graphiql`` (tools/fetch_graphiql.py) fetches exactly those
files from the npm registry into build/graphiql/. When all of them are there, the page points at
/graphiql/ instead, so GraphiQL works offline and behind a firewall; the integrity attributes stay,
so the browser still checks every file against the hash Strawberry pinned. When they are not there,
the page is Strawberry's own.
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
