"""Fetch the files Strawberry's GraphiQL page loads into build/graphiql/, so GraphiQL works offline.

The list comes from the installed Strawberry's page itself: every package at the version it pins.
``npm pack`` downloads each package's tarball from the npm registry (npm checks the registry's
own hash); each file is then checked against the page's integrity hash before it is written.
Files already in place with the right hash are kept, so a second run does nothing.
Without npm this prints why and exits 0: the page then falls back to the CDN.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

from web.graphiql import ASSETS_DIR, Asset, assets


def matches(data: bytes, integrity: str) -> bool:
    algorithm, _, digest = integrity.partition("-")
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == digest


def _in_place(path: Path, integrity: str) -> bool:
    return path.is_file() and matches(path.read_bytes(), integrity)


def fetch(wanted: list[Asset], directory: Path, npm: str) -> None:
    missing = [asset for asset in wanted if not _in_place(directory / asset.path, asset.integrity)]
    packages = sorted({asset.package for asset in missing})
    if not packages:
        print(f"graphiql: {len(wanted)} files up to date in {directory}")
        return
    with tempfile.TemporaryDirectory() as temporary:
        result = subprocess.run(  # noqa: S603 - npm with package specs taken from Strawberry's page
            [npm, "pack", "--json", "--pack-destination", temporary, *packages],
            check=True,
            capture_output=True,
            text=True,
        )
        tarballs = {packed["id"]: packed["filename"] for packed in json.loads(result.stdout)}
        for asset in missing:
            with tarfile.open(Path(temporary) / tarballs[asset.package]) as tarball:
                member = tarball.extractfile(f"package/{asset.file}")
                if member is None:
                    raise SystemExit(f"graphiql: {asset.package} has no {asset.file}")
                data = member.read()
            if not matches(data, asset.integrity):
                raise SystemExit(f"graphiql: {asset.path} does not match the hash Strawberry pins")
            target = directory / asset.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    print(f"graphiql: fetched {len(missing)} files of {', '.join(packages)} into {directory}")


def main() -> int:
    wanted = assets(get_graphql_ide_html())
    npm = shutil.which("npm")
    if npm is None:
        print("graphiql: npm not found; GraphiQL will load its files from a CDN (needs the internet)", file=sys.stderr)
        return 0
    fetch(wanted, ASSETS_DIR, npm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
