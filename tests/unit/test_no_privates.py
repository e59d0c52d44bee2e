"""No module but models/fast_reads.py touches a private attribute of a library (Tortoise, Strawberry, aiosqlite...).

A private attribute here is an attribute access ``x._name`` (one leading underscore, not a dunder) on
anything but ``self`` or ``cls``, whose name the project itself never defines (its own ``_helpers`` are its
business). ``Model._meta`` is not counted: it is Tortoise's model description, used throughout Tortoise's
own contrib modules and docs, and the project reads field facts from it in many places. Attribute names
given as strings (``getattr(x, "_name")``) are not seen; review catches those.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_FOLDERS = {"tests", "build", "node_modules", "__pycache__"}

# The one module allowed to touch an ORM private; it names each one and checks it at import.
FAST_READS = "models/fast_reads.py"
# Documented enough to count as public.
NOT_PRIVATE = {"_meta"}
# Known uses the restructure (issue 21) removes; each entry is (module, attribute). Do not add to this list.
KNOWN: set[tuple[str, str]] = {
    # Strawberry 0.341 has no public accessor for the graphql-core schema it builds: one module reaches for it.
    ("schema/core.py", "_schema"),
}


def _sources() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0].startswith(".") or SKIPPED_FOLDERS & set(relative.parts):
            continue
        found[relative.as_posix()] = ast.parse(path.read_text(), filename=str(path))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_by_the_project(trees: dict[str, ast.Module]) -> set[str]:
    """Private attribute names the project defines: assigned as attributes, or methods and class attributes."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        names.add(member.name)
                    elif isinstance(member, ast.Assign | ast.AnnAssign):
                        targets = member.targets if isinstance(member, ast.Assign) else [member.target]
                        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return {name for name in names if _private(name)}


def _project_modules(tree: ast.Module, roots: set[str]) -> set[str]:
    """Names bound in ``tree`` to the project's own modules (``import database``, ``from services import users``)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update(
                alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name.split(".")[0] in roots
            )
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in roots:
            bound.update(alias.asname or alias.name for alias in node.names)
    return bound


def _accesses(tree: ast.Module) -> list[tuple[ast.expr | None, str, int]]:
    """Attribute accesses ``x._name``, and ``getattr``/``hasattr``/``setattr``/``delattr`` with a literal name."""
    found: list[tuple[ast.expr | None, str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.append((node.value, node.attr, node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr", "setattr", "delattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            found.append((node.args[0], node.args[1].value, node.lineno))
    return found


def _foreign_privates() -> dict[tuple[str, str], list[int]]:
    trees = _sources()
    roots = {module.split("/")[0].removesuffix(".py") for module in trees}
    own = _defined_by_the_project({module: tree for module, tree in trees.items() if module != FAST_READS})
    uses: dict[tuple[str, str], list[int]] = defaultdict(list)
    for module, tree in trees.items():
        modules = _project_modules(tree, roots)
        for value, attr, line in _accesses(tree):
            if not _private(attr) or attr in own or attr in NOT_PRIVATE:
                continue
            if isinstance(value, ast.Name) and (value.id in {"self", "cls"} or value.id in modules):
                continue
            uses[(module, attr)].append(line)
    return uses


def test_only_the_fast_read_module_touches_a_library_private() -> None:
    uses = _foreign_privates()

    unexpected = sorted(
        f"{module}:{lines[0]} .{attr}"
        for (module, attr), lines in uses.items()
        if module != FAST_READS and (module, attr) not in KNOWN
    )
    assert not unexpected, (
        "a library's private attribute used outside models/fast_reads.py (move the read there, behind a named "
        f"function checked at import): {unexpected}"
    )


def test_the_known_exceptions_still_exist_so_the_list_only_shrinks() -> None:
    uses = _foreign_privates()

    assert sorted(KNOWN - set(uses)) == [], "remove the entries the restructure has fixed from KNOWN"


def test_the_fast_read_module_uses_the_privates_its_docstring_names() -> None:
    uses = _foreign_privates()
    docstring = ast.get_docstring(_sources()[FAST_READS]) or ""

    used = sorted({attr for module, attr in uses if module == FAST_READS})
    assert used, "the scan no longer sees models/fast_reads.py's privates"
    assert [attr for attr in used if attr not in docstring] == [], "name every private in the module's docstring"
