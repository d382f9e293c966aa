"""Sizes the project keeps to: no product file over 400 lines, no function over about 60.

Run ``python tests/test_sizes.py`` to list the largest files and every function over the limit.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("seedance_ui", "seedance_emulator")
FILE_LINES = 400
FUNCTION_LINES = 60


def product_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def file_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def long_functions(path: Path, limit: int = FUNCTION_LINES) -> list[tuple[str, int]]:
    """(qualified name, lines) of each function or method longer than ``limit`` lines of its own: decorators and
    the functions defined inside it (a page's event handlers) are counted as units of their own."""
    found: list[tuple[str, int]] = []

    def span(node: ast.AST) -> int:
        return (node.end_lineno or node.lineno) - node.lineno + 1  # type: ignore[attr-defined]

    def nested(node: ast.AST) -> list[ast.AST]:
        inner: list[ast.AST] = []
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner.append(child)
            else:
                inner += nested(child)
        return inner

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                lines = span(child) - sum(span(n) + len(getattr(n, "decorator_list", [])) for n in nested(child))
                if lines > limit:
                    found.append((name, lines))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_product_file_over_the_limit():
    over = {_rel(p): n for p in product_files() if (n := file_lines(p)) > FILE_LINES}
    assert not over, f"files over {FILE_LINES} lines: {over}"


def test_no_function_over_the_limit():
    over = {f"{_rel(p)}:{name}": n for p in product_files()
            for name, n in long_functions(p)}  # fmt: skip
    assert not over, f"functions over {FUNCTION_LINES} lines: {over}"


def test_the_counter_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES + 1))
    (tmp_path / "m.py").write_text(f"class K:\n    def f(self):\n    {body.replace(chr(10), chr(10) + '    ')}\n")
    assert [name for name, _ in long_functions(tmp_path / "m.py")] == ["K.f"]
    inner = "\n".join(f"        y{i} = {i}" for i in range(FUNCTION_LINES + 1))
    (tmp_path / "n.py").write_text(f"def page():\n    def handler():\n{inner}\n    return handler\n")
    assert [name for name, _ in long_functions(tmp_path / "n.py")] == ["page.handler"]  # the page's own lines are few


if __name__ == "__main__":
    for p in sorted(product_files(), key=file_lines, reverse=True)[: int(sys.argv[1]) if len(sys.argv) > 1 else 10]:
        print(f"{file_lines(p):5d}  {_rel(p)}")
    print()
    for p in product_files():
        for name, n in long_functions(p):
            print(f"{n:5d}  {_rel(p)}:{name}")
