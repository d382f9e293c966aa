"""No import circle in ``seedance_ui`` or ``seedance_emulator``, and the emulator takes nothing from the app but data.

Every import counts, at the top of a module or inside a function (a lazy import is still a circle: the two modules
can't be understood, tested or moved apart); only imports under ``if TYPE_CHECKING:`` are left out, since they
never run. The walk reads the source with ``ast``: nothing is imported to draw the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("seedance_ui", "seedance_emulator")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, type_hints: bool = False) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth, leaving out the bodies of ``if TYPE_CHECKING:`` unless
    ``type_hints``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if not type_hints and isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def imported_modules(name: str, path: Path, known: set[str], *, type_hints: bool = False) -> set[str]:
    """The modules of ``known`` that ``name`` imports (``from . import x`` names the module ``x`` when it is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8")), type_hints=type_hints):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            mod = node.module or ""
            base = (f"{base}.{mod}" if base and mod else base or mod) if node.level else mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            while target and target not in known:  # `import a.b.c` depends on the nearest module we have
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph(*, type_hints: bool = False) -> dict[str, set[str]]:
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    known = set(files)
    return {name: imported_modules(name, path, known, type_hints=type_hints) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts with more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_walk_sees_circles_and_type_checking_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .x import X\nelse:\n    import y\n"
        "def f():\n    from . import z\n"
    )
    names = [getattr(n, "module", None) or n.names[0].name for n in _imports(tree)]
    assert names == ["typing", "y", "z"]  # the function's import counts, the TYPE_CHECKING one doesn't


def test_no_import_circle_in_the_packages():
    found = cycles(import_graph())
    assert not found, "import circles (each line one circle):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_circle_even_through_type_hints():
    """Stricter than the rule: a module that needs a higher one only for a type receives a Protocol instead
    (``door.VisitorDoor``, the emulator's ``RenderHost``, ``Administered``, ``Served``)."""
    found = cycles(import_graph(type_hints=True))
    assert not found, "circles through type hints:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_emulator_takes_only_data_from_the_app():
    graph = import_graph()
    reaching = {
        name: sorted(t for t in targets if t.startswith("seedance_ui"))
        for name, targets in graph.items()
        if name.startswith("seedance_emulator")
    }
    reaching = {k: v for k, v in reaching.items() if v}
    assert not reaching, f"the emulator imports the app's code: {reaching}"
