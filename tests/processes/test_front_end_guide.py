"""The TypeScript of docs/front-end.md compiles (strict) against the client libraries it sets up: Apollo Client,
urql and its exchanges, at the versions tests/processes/front_end_guide/package-lock.json pins (installed with
npm ci into build/front-end-guide, again only when the lock changes). A renamed option or a wrong import in
the guide fails here. Its GraphQL documents are checked against the schema by tests/unit/test_front_end_guide.py."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "front-end.md"
PACKAGE = ROOT / "tests" / "processes" / "front_end_guide"
NAMED_SNIPPET = re.compile(r"```ts\n// (?P<name>[\w.-]+\.ts)\n(?P<code>.*?)```", re.DOTALL)
# codegen.ts needs GraphQL Code Generator (a few hundred packages), and what it generates: left out here.
NEEDS_CODEGEN = {"codegen.ts"}
# What Vite gives the snippets: import.meta.env.VITE_API_URL.
VITE_ENV = "interface ImportMeta {\n  readonly env: { readonly VITE_API_URL: string };\n}\n"


@pytest.fixture(scope="module")
def packages() -> Path:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("the guide's TypeScript compiles under Node: install node and npm (CI has them)")
    target = ROOT / "build" / "front-end-guide"
    target.mkdir(parents=True, exist_ok=True)
    for name in ["package.json", "package-lock.json", "tsconfig.json"]:
        shutil.copy(PACKAGE / name, target / name)
    lock = (PACKAGE / "package-lock.json").read_text()
    stamp = target / "node_modules" / ".installed-lock.json"
    if not stamp.exists() or stamp.read_text() != lock:
        subprocess.run(  # noqa: S603 - npm installing the locked packages of tests/processes/front_end_guide
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=target,
            check=True,
            capture_output=True,
            timeout=300,
        )
        stamp.write_text(lock)
    return target


def test_the_guides_typescript_compiles_against_apollo_client_and_urql(packages: Path) -> None:
    sources = packages / "src"
    shutil.rmtree(sources, ignore_errors=True)
    sources.mkdir()
    (sources / "vite-env.d.ts").write_text(VITE_ENV)
    snippets = {match["name"]: match["code"] for match in NAMED_SNIPPET.finditer(GUIDE.read_text())}
    for name, code in snippets.items():
        if name not in NEEDS_CODEGEN:
            (sources / name).write_text(code)

    checked = subprocess.run(  # noqa: S603 - the pinned TypeScript compiler
        [shutil.which("node") or "node", "node_modules/typescript/bin/tsc", "--noEmit"],
        cwd=packages,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert set(snippets) - NEEDS_CODEGEN == {"session.ts", "field-errors.ts", "apollo.ts", "urql.ts"}
    assert checked.returncode == 0, checked.stdout + checked.stderr
