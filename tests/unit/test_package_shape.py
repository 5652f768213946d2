"""The package's shape: wings that follow the data, arrows one way, no import circles.

Read from the source with `ast`, lazy imports inside functions included: an import that only runs later still ties
two modules together. The order, lowest first: the base modules, then the store, then intake and show (which never
import each other), then the app layer (ui, cli, demo), which may import anything.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "backbone"
BASE = {"backbone.errors", "backbone.config", "backbone.vocab", "backbone.text", "backbone"}
APP = {"backbone.ui", "backbone.cli", "backbone.demo", "backbone.plan_editor", "backbone.__main__"}
# What each wing may import besides itself and the base modules.
MAY_IMPORT = {"base": set(), "store": set(), "intake": {"store"}, "show": {"store"}, "app": {"store", "intake", "show"}}


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def wing(module: str) -> str:
    if module in BASE:
        return "base"
    if module in APP:
        return "app"
    return module.split(".")[1]


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules that `path` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("backbone")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("backbone"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    paths = {module_name(p, package): p for p in package.rglob("*.py")}
    return {name: imports_of(path, set(paths)) - {name} for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the list of modules on it (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def arrows_against_the_order(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            allowed = {wing(source), "base"} | MAY_IMPORT[wing(source)]
            if wing(target) not in allowed:
                wrong.append(f"{source} ({wing(source)}) imports {target} ({wing(target)})")
    return wrong


def test_every_module_belongs_to_a_wing():
    assert {wing(m) for m in import_graph()} <= set(MAY_IMPORT)


def test_the_package_has_no_import_circles():
    assert circles(import_graph()) == []


def test_arrows_point_one_way_show_and_intake_to_store_never_back():
    assert arrows_against_the_order(import_graph()) == []


def test_the_checks_see_a_circle_and_a_backward_arrow(tmp_path):
    """The checks themselves can fail: a planted circle and a store -> intake arrow are both found."""
    package = tmp_path / "backbone"
    for name, body in {
        "__init__.py": "",
        "store/__init__.py": "",
        "store/catalog.py": "from backbone.intake import ingest\n",
        "intake/__init__.py": "",
        "intake/ingest.py": "def load():\n    from backbone.store.catalog import Catalog\n",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(body)
    graph = import_graph(package)
    assert circles(graph) == [["backbone.intake.ingest", "backbone.store.catalog"]]
    assert arrows_against_the_order(graph) == ["backbone.store.catalog (store) imports backbone.intake.ingest (intake)"]
