"""The shape of the package (docs/architecture.md): no import cycle between losslint's
modules, imports inside functions included; nothing below the command line imports it;
the package top holds only the public entry points.

Every module is parsed with `ast`, so an import inside a function counts as much as one at
the top. Imports under `if TYPE_CHECKING:` are left out: they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "losslint"
# The package top: `import losslint`, `python -m losslint` and the library API.
ENTRY_POINTS = {"__init__.py", "__main__.py", "api.py"}


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (packages by name)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _type_checking_only(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every import statement, at any depth, except those under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not _type_checking_only(child))


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The losslint modules that module `name` imports: `from a.b import c` is module
    a.b.c when there is one, else a.b (a name defined there)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        for alias in node.names:
            target = f"{base}.{alias.name}"
            if target in modules:
                found.add(target)
            elif base in modules:
                found.add(base)
    return found - {name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imported(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_no_import_cycle_between_losslint_modules():
    assert cycles(import_graph()) == []


def test_nothing_below_the_command_line_imports_it():
    above = {"losslint.__main__"}
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in import_graph().items()
        if not (name == "losslint.cli" or name.startswith("losslint.cli.")) and name not in above
        for target in targets
        if target == "losslint.cli" or target.startswith("losslint.cli.")
    )
    assert wrong == []


def test_the_package_top_holds_only_entry_points():
    assert {p.name for p in PACKAGE.glob("*.py")} == ENTRY_POINTS


def test_the_checker_sees_a_cycle_made_by_an_import_inside_a_function(tmp_path):
    package = tmp_path / "losslint"
    (package / "engine").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "engine" / "__init__.py").write_text("")
    (package / "engine" / "a.py").write_text("from losslint.engine import b\n")
    (package / "engine" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from losslint import cli\n"
        "def late():\n    from . import a\n"
    )
    (package / "cli.py").write_text("")
    graph = import_graph(package)
    assert graph["losslint.engine.b"] == {"losslint.engine.a"}  # the TYPE_CHECKING import left out
    assert cycles(graph) == [["losslint.engine.a", "losslint.engine.b"]]
