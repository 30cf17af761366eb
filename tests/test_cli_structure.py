"""The structure the command line stands on: no import circle anywhere in hssk (lazy imports included), the
library never imports the command line, and the command line never imports the app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def import_graph() -> dict[str, set[str]]:
    """hssk module → the hssk modules it imports (at the top or inside a function). `from pkg import sub` is an
    import of the submodule, not of the package."""
    modules = {}
    for path in (ROOT / "hssk").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                subs = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
                targets |= subs | ({base} if len(subs) < len(node.names) else set())
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_in_hssk():
    graph = import_graph()
    assert "hssk.link.spark" in graph["hssk.link.predict"]  # lazy imports are seen
    assert cycles(graph) == []


def test_the_library_never_imports_the_command_line_and_the_command_line_never_the_app():
    graph = import_graph()
    for name, targets in graph.items():
        if not name.startswith("hssk.cli") and name != "hssk.__main__":
            assert not {t for t in targets if t.startswith("hssk.cli")}, name
    for path in (ROOT / "hssk" / "cli").glob("*.py"):
        name = "hssk.cli." + path.stem if path.stem != "__init__" else "hssk.cli"
        assert "streamlit" not in path.read_text(encoding="utf-8"), name
        assert not {t for t in graph[name] if t == "hssk.ui" or t.startswith("hssk.app")}, name
