"""The package's modules import each other without a loop.

A loop hides behind imports placed inside functions (they run later, so Python never complains), yet it
still ties the modules together: none of them can be understood, tested or moved alone. So every import
counts here, at module level and inside functions; only ``if TYPE_CHECKING:`` blocks (never run) do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import meetingprep
from meetingprep.graphs import loops

ROOT = Path(meetingprep.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, package: str, modules: set[str]):
    """Every meetingprep module ``tree`` imports, outside ``if TYPE_CHECKING:`` blocks."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            # ``from meetingprep.x import y``: y is a module, or a name in module x
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != "meetingprep":
                yield name


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.parts}
    modules = set(paths)
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {target for target in _imports(tree, package, modules) if target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import loops: strongly connected groups of more than one module, visited in name order."""
    return loops({module: sorted(targets) for module, targets in sorted(graph.items())})


def test_the_finder_sees_a_loop_hidden_in_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse("import x.y\ndef f():\n    from x import z\nif TYPE_CHECKING:\n    import x.w\n")
    assert sorted(_imports(tree, "x", {"x", "x.y", "x.z", "x.w"})) == ["x", "x.y", "x.z"]


def test_the_package_has_no_import_loop():
    graph = import_graph()
    assert graph.get("meetingprep.permissions")  # the walk found the package's imports
    loops = cycles(graph)
    detail = ["; ".join(f"{m} → {sorted(graph[m] & set(loop))}" for m in loop) for loop in loops]
    assert loops == [], "\n".join(detail)


def test_domain_errors_need_no_web_framework():
    """errors.py is imported by services, the CLI and scheduler jobs: it raises, web_errors.py answers."""
    tree = ast.parse((ROOT / "errors.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__"}
