"""The project's modules import one another one way, and nothing reaches into Strawberry's private attributes.

The import graph is read from the source (ast), not from a running interpreter: every ``import`` and
``from ... import`` of a project module counts, at module level and inside functions alike (a lazy import
is still a cycle in the design), except under ``if TYPE_CHECKING:`` (annotations only). A
``strawberry.lazy("module")`` reference is a string, not an import: it lets a type name one defined above
it without a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import strawberry

ROOT = Path(__file__).resolve().parents[2]
FILES = ("main.py", "database.py")
FOLDERS = ("schema", "resolvers", "services", "models", "web", "cli", "tools", "settings")

# Cycles known when this test was written, each as its sorted modules (none: the last one, schema.social and
# schema.types, went with issue 21). The list only shrinks: an entry no longer found fails the test too.
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    paths = [ROOT / name for name in FILES if (ROOT / name).exists()]
    for folder in FOLDERS:
        paths.extend(sorted((ROOT / folder).rglob("*.py")))
    found = {}
    for path in paths:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under ``node``, but the body of ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _imports(child)


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _targets(statement: ast.Import | ast.ImportFrom, module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules a statement imports (``from package import module`` names the module)."""
    if isinstance(statement, ast.Import):
        names = [alias.name for alias in statement.names]
    else:
        base = statement.module or ""
        if statement.level:
            package = _package(module, path).split(".") if _package(module, path) else []
            package = package[: len(package) - (statement.level - 1)]
            base = ".".join([*package, *([base] if base else [])])
        names = [f"{base}.{alias.name}" if base else alias.name for alias in statement.names] + [base]
    found = set()
    for name in names:
        while name and name not in known:  # "a.b.c" of a module "a.b": the module
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module] = {target for statement in _imports(tree) for target in _targets(statement, module, path, known)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each with one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def a_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One path start -> ... -> start within the component, for the failure message."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & members):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return component


def test_the_graph_sees_imports_at_every_level() -> None:
    graph = import_graph()

    assert "schema.types" in graph["schema.social"] or "schema.social" in graph["schema.types"]
    assert (
        "services.people.lookup" in graph["services.identity.sessions"]
    )  # a module-level "from services import users"
    assert len(graph) > 50


def test_no_import_cycle_among_the_projects_modules() -> None:
    graph = import_graph()

    found = {tuple(component): a_cycle(graph, component) for component in cycles(graph)}
    new = {component: cycle for component, cycle in found.items() if component not in KNOWN_CYCLES}
    assert not new, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in new.values())
    assert sorted(KNOWN_CYCLES - set(found)) == [], "remove the cycles fixed since from KNOWN_CYCLES"


# The layers (README's Layout): each may import the ones after it, never one before it. schema/ and resolvers/
# share a floor: schema/build.py assembles the resolvers' Query and Mutation, and resolvers return schema's types.
LAYERS = (
    ("main", "cli", "tools"),
    ("web",),
    ("schema", "resolvers"),
    ("services",),
    ("models", "database", "settings"),
)


def _layer(module: str) -> int:
    top = module.split(".")[0]
    return next(index for index, floor in enumerate(LAYERS) if top in floor)


def test_imports_point_down_the_layers_only() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if _layer(target) < _layer(module)
    )

    assert upward == [], "an import up the layers (move the code down, or pass what it needs in)"


def test_the_cycle_finder_finds_a_cycle_and_prints_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert cycles(graph) == [["a", "b", "c"]]
    assert a_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_a_type_checking_import_is_no_edge_and_a_function_level_one_is() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import schema.types\n"
        "def f():\n    from services import users\n"
    )
    names = {alias.name for statement in _imports(tree) for alias in statement.names}

    assert names == {"TYPE_CHECKING", "users"}


# --- Strawberry's private attributes ---------------------------------------------------------------------


def _strawberry_privates() -> set[str]:
    """The private attribute names Strawberry's own classes define (assigned on self or declared in a class)."""
    names: set[str] = set()
    for path in Path(strawberry.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                        names.add(statement.target.id)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def _own_privates(trees: dict[str, ast.Module]) -> set[str]:
    """Private names the project defines itself (attributes it assigns, fields it declares, functions)."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


def _on_info(node: ast.expr) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name == "info" or name.endswith("_info")


# Known uses (module, attribute): Strawberry 0.341 has no public accessor for the graphql-core schema that the
# pipeline and the trusted documents validate against; schema/core.py alone reaches for it. The list only shrinks.
KNOWN_PRIVATES: set[tuple[str, str]] = {
    ("schema.core", "_schema"),
}


def strawberry_private_uses() -> dict[tuple[str, str], int]:
    """Each (module, attribute) reading a private attribute of ``info`` or one Strawberry defines (and the
    project does not), with its first line."""
    trees = {module: ast.parse(path.read_text(), filename=str(path)) for module, path in _modules().items()}
    theirs = _strawberry_privates() - _own_privates(trees)
    uses: dict[tuple[str, str], int] = {}
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                continue
            if _on_info(node.value) or node.attr in theirs:
                uses.setdefault((module, node.attr), node.lineno)
    return uses


def test_no_private_attribute_of_strawberry_is_used() -> None:
    uses = strawberry_private_uses()

    new = sorted(
        f"{module}:{line} .{attr}" for (module, attr), line in uses.items() if (module, attr) not in KNOWN_PRIVATES
    )
    assert not new, f"a private attribute of a Strawberry object (use its public API): {new}"
    assert sorted(KNOWN_PRIVATES - set(uses)) == [], "remove the uses fixed since from KNOWN_PRIVATES"


def test_the_private_scan_sees_info_raw_info() -> None:
    assert "_raw_info" in _strawberry_privates()
    assert _on_info(ast.parse("info._raw_info", mode="eval").body.value)  # type: ignore[attr-defined]
