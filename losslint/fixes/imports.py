"""The names a fix writes (`F.log_softmax`, `CrossEntropyLoss`) and the imports they need.

A fix reuses what the file already imports, under the user's alias; otherwise it extends
the from-import that brought in the name it replaces, or adds `import torch.nn.functional
as F`. An import is added once, never duplicated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from losslint.analysis.extract import dotted_name as dotted
from losslint.fixes.errors import Unfixable

if TYPE_CHECKING:  # changes.py renders the imports that these functions plan
    from losslint.fixes.changes import FileChanges

FUNCTIONAL = "torch.nn.functional"
_ALIAS_CANDIDATES = ("F", "TF", "nnf")


@dataclass(frozen=True)
class ImportModule:
    """`import <module> as <alias>` at the top of the file."""

    module: str
    alias: str


@dataclass(frozen=True)
class ImportName:
    """Add `name` to the `from <module> import ...` statement that binds `anchor`."""

    module: str
    name: str
    anchor: str


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return dotted(alias.name).split(".")[0]


def _top_level_imports(module: cst.Module):
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield small


def functional_name(changes: FileChanges) -> str:
    """The module-level name of torch.nn.functional, adding an import when there is none."""
    module = changes.source.module
    for statement in _top_level_imports(module):
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                if dotted(alias.name) == FUNCTIONAL and alias.asname is not None:
                    return _local(alias)
        elif (
            statement.relative == ()
            and not isinstance(statement.names, cst.ImportStar)
            and dotted(statement.module) == "torch.nn"
        ):
            for alias in statement.names:
                if dotted(alias.name) == "functional":
                    return _local(alias)
    for need in changes.imports:
        if isinstance(need, ImportModule) and need.module == FUNCTIONAL:
            return need.alias
    alias = _free_name(changes.source.text)
    changes.imports.append(ImportModule(FUNCTIONAL, alias))
    return alias


def _free_name(text: str) -> str:
    for name in _ALIAS_CANDIDATES:
        if not re.search(rf"\b{name}\b", text):
            return name
    raise_unfixable("no free name for torch.nn.functional")


def raise_unfixable(reason: str):
    raise Unfixable(reason)


def name_from(changes: FileChanges, name: str, anchor: str) -> str:
    """The local name of `name` in a file that from-imports its sibling as `anchor`
    (`from torch.nn import NLLLoss` -> CrossEntropyLoss): an existing from-import of it
    from the same module, or `name` added to the statement that binds `anchor`."""
    tree = changes.source.module
    froms = [n for n in _all_import_froms(tree) if n.relative == () and not isinstance(n.names, cst.ImportStar)]
    anchor_module = next(
        (dotted(n.module) for n in froms for a in n.names if _local(a) == anchor),
        None,
    )
    if anchor_module is None:
        raise_unfixable(f"`{anchor}` is not from-imported")
    for node in froms:
        if dotted(node.module) == anchor_module:
            for alias in node.names:
                if dotted(alias.name) == name:
                    return _local(alias)
    if changes.source.binds(name):
        raise_unfixable(f"`{name}` already means something else here")
    need = ImportName(anchor_module, name, anchor)
    if need not in changes.imports:
        changes.imports.append(need)
    return name


def _all_import_froms(tree: cst.Module) -> list[cst.ImportFrom]:
    found: list[cst.ImportFrom] = []

    class Finder(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    tree.visit(Finder())
    return found


# --- adding imports to a rendered module ------------------------------------------------------


def add(module: cst.Module, need) -> cst.Module:
    if isinstance(need, ImportModule):
        return _add_module_import(module, need)
    return module.visit(_ExtendFrom(need))


def _add_module_import(module: cst.Module, need: ImportModule) -> cst.Module:
    for statement in _top_level_imports(module):
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                if dotted(alias.name) == need.module and alias.asname is not None and _local(alias) == need.alias:
                    return module  # already there
    line = cst.parse_statement(f"import {need.module} as {need.alias}", config=module.config_for_parsing)
    body = list(module.body)
    body.insert(_insertion_index(body), line)
    return module.with_changes(body=body)


def _insertion_index(body: list) -> int:
    """After the last top-level torch import, else after the last top-level import, else
    after the docstring and `from __future__` imports."""
    last_torch = last_import = None
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                last_import = index
                if any(dotted(a.name).split(".")[0] == "torch" for a in small.names):
                    last_torch = index
            elif isinstance(small, cst.ImportFrom):
                last_import = index
                if small.relative == () and dotted(small.module).split(".")[0] == "torch":
                    last_torch = index
    if last_torch is not None:
        return last_torch + 1
    if last_import is not None:
        return last_import + 1
    index = 0
    if body and _is_docstring(body[0]):
        index = 1
    return index


def _is_docstring(statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


class _ExtendFrom(cst.CSTTransformer):
    def __init__(self, need: ImportName) -> None:
        super().__init__()
        self.need = need
        self.done = False

    def leave_ImportFrom(self, original_node, updated_node):
        node = updated_node
        if self.done or node.relative != () or dotted(node.module) != self.need.module:
            return node
        if isinstance(node.names, cst.ImportStar):
            return node
        names = list(node.names)
        if any(dotted(a.name) == self.need.name and a.asname is None for a in names):
            self.done = True
            return node
        if not any(_local(a) == self.need.anchor for a in names):
            return node
        self.done = True
        last = names[-1]
        if len(names) >= 2 and isinstance(names[-2].comma, cst.Comma):
            separator = names[-2].comma
        else:
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        names[-1] = last.with_changes(comma=separator)
        names.append(cst.ImportAlias(name=cst.Name(self.need.name), comma=last.comma))
        return node.with_changes(names=names)
