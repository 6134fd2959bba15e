"""The project index: every linted file's facts, and how imports between them resolve."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from losslint.analysis import ir
from losslint.analysis.facts import (
    MODULE_BODY,
    CallFact,
    ClassFacts,
    FileFacts,
    FunctionFacts,
    key_of,
)


def module_name(path: Path) -> tuple[str, str, bool]:
    """(dotted module name, import root, is_package) of a file, from its __init__.py chain.

    A script outside any package is module `stem` with its own directory as the root,
    which is how `python train.py` resolves `from models import Net`.
    """
    path = path.resolve()
    is_package = path.stem == "__init__"
    parts = [] if is_package else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts), str(directory), is_package


class _AskedNames(defaultdict):
    """calls_by_callee, remembering which callee names were looked up with get()."""

    def __init__(self, table: dict[str, list[CallFact]]) -> None:
        super().__init__(list, table)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


class Project:
    def __init__(self, files: list[FileFacts], known: tuple[dict, dict] | None = None) -> None:
        self.files: dict[str, FileFacts] = {f.path: f for f in files}
        self.functions: dict[str, FunctionFacts] = {}
        self.classes: dict[str, ClassFacts] = {}
        self.calls_by_callee: dict[str, list[CallFact]] = defaultdict(list)
        self.modules: dict[tuple[str, str], str] = {}  # (root, module) -> path
        self.modules_by_name: dict[str, list[str]] = defaultdict(list)
        for facts in files:
            self.functions.update(facts.functions)
            self.classes.update(facts.classes)
            for call in facts.calls:
                self.calls_by_callee[call.callee].append(call)
            if facts.module:
                self.modules[(facts.root, facts.module)] = facts.path
                self.modules_by_name[facts.module].append(facts.path)
        self.configs: list = []  # the `_target_`s of the project's YAML files (analysis/configs.py)
        self._paths: set[str] | None = None  # every file of the run (resolve_module)
        # The prefilter (losslint/prefilter.py) leaves some files unparsed. `known` holds the
        # two tables above built from every file of the run, so that imports resolve as if
        # all were parsed; a lookup that lands on an unparsed file answers None and is
        # remembered in `missing`. Callers in unparsed files would be missing from
        # calls_by_callee: it remembers the names looked up (`asked`). losslint/collect.py
        # parses what both point at and analyzes again.
        self.missing: set[str] = set()
        if known is not None:
            self.modules, self.modules_by_name = known
            self.calls_by_callee = _AskedNames(self.calls_by_callee)

    # --- lookups --------------------------------------------------------------------------

    def file_of(self, key: str) -> FileFacts:
        return self.files[key.split("::", 1)[0]]

    def module_body_key(self, path: str) -> str:
        return key_of(path, MODULE_BODY)

    # --- imports --------------------------------------------------------------------------

    def resolve_module(self, name: str, origin: str) -> str | None:
        """The file of module `name` as imported from file `origin`, if it is linted."""
        facts = self.files.get(origin)
        if facts is not None:
            for root in (facts.root, str(Path(origin).parent)):
                path = self.modules.get((root, name))
                if path is not None:
                    return self._parsed(path)
        candidates = self.modules_by_name.get(name, [])
        if len(candidates) == 1:
            return self._parsed(candidates[0])
        # A script that puts its own folder on sys.path (`from layers import Head` beside
        # models/layers.py, in a package or not): the file next to it.
        beside = Path(origin).parent.joinpath(*name.split("."))
        if self._paths is None:
            self._paths = set(self.modules.values())
        for path in (f"{beside}.py", str(beside / "__init__.py")):
            if path in self._paths:
                return self._parsed(path)
        return None

    def _parsed(self, path: str) -> str | None:
        """`path` if its facts are here, else None (and remembered in `missing`)."""
        if path in self.files:
            return path
        self.missing.add(path)
        return None

    def absolute_module(self, node: ir.Global) -> str:
        """The absolute dotted name of the module a Global starts from (relative resolved)."""
        if node.level == 0:
            return node.module
        facts = self.files.get(node.origin)
        if facts is None or not facts.module:
            return ""
        package = facts.module.split(".")
        if not facts.is_package:
            package = package[:-1]
        if node.level - 1 > len(package):
            # Above the import root (which may itself be a namespace package, one level
            # above the top package): Python raises ImportError.
            return ""
        if node.level > 1:
            package = package[: len(package) - (node.level - 1)]
        return ".".join([*package, node.module]) if node.module else ".".join(package)

    def resolve_global(self, node: ir.Global) -> tuple[str | None, list[str], str]:
        """(file of the module it starts from, or None; attribute path; absolute dotted name).

        `from pkg import Net` starts from pkg (its __init__ may bind Net, shadowing a
        submodule pkg/Net.py, as in Python); the attribute walk falls back to submodules.
        """
        module = self.absolute_module(node)
        attrs = node.name.split(".") if node.name else []
        dotted = ".".join(part for part in (module, node.name) if part)
        path = self.resolve_module(module, node.origin) if module else None
        if path is None and module:
            # `import pkg.sub` of a project whose pkg/__init__.py is not linted.
            parts = module.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                path = self.resolve_module(".".join(parts[:cut]), node.origin)
                if path is not None:
                    return path, parts[cut:] + attrs, dotted
        return path, attrs, dotted
