"""One file as the fixes see it: its libcst tree, node positions, and text edits.

Positions follow the JSON contract (findings.Site): 1-based rows and columns counted in
characters, end exclusive. Lines end at \\r\\n, \\r or \\n, as for libcst and Python.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import re
from functools import cached_property

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from losslint.analysis.extract import dotted_name
from losslint.analysis.parsing import parse_module
from losslint.analysis.positions import SOURCE_ORDER, fast_positions
from losslint.core.findings import Edit, Position, Site

_LINE_END = re.compile(r"\r\n|\r|\n")


@functools.lru_cache(maxsize=64)
def parsed(path: str, text: str) -> SourceFile:
    """Files unchanged between the rounds of --fix are parsed once."""
    return SourceFile(path, text)


class SourceFile:
    """A parsed file. Positions come from libcst; parents, names and imports from one
    walk of our own (libcst's ParentNodeProvider and ScopeProvider cost several times the
    parse). The positions of calls, which is what the fixes mostly ask about, come from
    losslint.analysis.positions (the very ranges libcst gives, without rendering the whole file
    again, which costs more than the parse); PositionProvider only for other nodes."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.module = parse_module(text)  # the parser's nodes are valid; a fix's new ones are checked
        self.wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)

    @cached_property
    def positions(self):
        """Every node's CodeRange (PositionProvider)."""
        return self.wrapper.resolve(PositionProvider)

    @cached_property
    def _fast(self) -> dict | None:
        """Every call's (and def/class name's) range, or None (positions.fast_positions)."""
        return fast_positions(self.module, self.text)

    def _range(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        fast = self._fast
        found = fast.get(node) if fast is not None else None
        if found is not None:
            return found
        code_range = self.positions[node]
        return (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)

    @cached_property
    def _walk(self) -> tuple[dict, dict[str, list[cst.Name]], dict[str, str], dict[tuple[int, str], list[cst.Name]]]:
        """(node -> parent, name -> Name nodes, local name -> dotted import, (id of the
        enclosing function, name) -> Name nodes)."""
        parents: dict[cst.CSTNode, cst.CSTNode] = {}
        names: dict[str, list[cst.Name]] = {}
        scoped: dict[tuple[int, str], list[cst.Name]] = {}
        imported: dict[str, str] = {}
        stack: list[tuple[cst.CSTNode, cst.CSTNode]] = [(self.module, self.module)]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, cst.Name):
                names.setdefault(node.value, []).append(node)
                scoped.setdefault((id(scope), node.value), []).append(node)
            elif isinstance(node, (cst.Import, cst.ImportFrom)):
                imported.update(_imported_names(node))
            inner = node if isinstance(node, (cst.FunctionDef, cst.Lambda)) else scope  # as enclosing_function says
            for child in children(node):
                parents[child] = node
                stack.append((child, inner))
        return parents, names, imported, scoped

    @property
    def parents(self) -> dict:
        return self._walk[0]

    @property
    def imported(self) -> dict[str, str]:
        """Local name -> the dotted name it imports, from every import of the file (an
        absolute one; the first in the file wins: the walk meets them last to first)."""
        return self._walk[2]

    def node_at(self, site: Site, kind: type = cst.Call) -> cst.CSTNode | None:
        """The node of type `kind` that spans exactly `site`."""
        key = (site.start.row, site.start.column - 1, site.end.row, site.end.column - 1)
        # The fast table has every call of the file, or is None.
        table = self._calls_by_range if kind is cst.Call and self._fast is not None else self._by_range
        for node in table.get(key, ()):
            if isinstance(node, kind):
                return node
        return None

    @cached_property
    def line_starts(self) -> list[int]:
        return line_starts(self.text)

    def fast_start_row(self, node: cst.CSTNode) -> int | None:
        """The first row of `node` when the fast positions have it (calls, def/class names)."""
        fast = self._fast
        found = fast.get(node) if fast is not None else None
        return found[0] if found is not None else None

    @cached_property
    def _by_range(self) -> dict[tuple, list[cst.CSTNode]]:
        table: dict[tuple, list[cst.CSTNode]] = {}
        for node, code_range in self.positions.items():
            key = (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)
            table.setdefault(key, []).append(node)
        return table

    @cached_property
    def _calls_by_range(self) -> dict[tuple, list[cst.CSTNode]]:
        table: dict[tuple, list[cst.CSTNode]] = {}
        for node, key in self._fast.items():
            if isinstance(node, cst.Call):
                table.setdefault(key, []).append(node)
        return table

    def site_of(self, node: cst.CSTNode) -> Site:
        line, column, end_line, end_column = self._range(node)
        return Site(self.path, Position(line, column + 1), Position(end_line, end_column + 1))

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        return self._range(node)[:2]

    def end(self, node: cst.CSTNode) -> tuple[int, int]:
        return self._range(node)[2:]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def code(self, node: cst.CSTNode, within: cst.CSTNode | None = None) -> str:
        """The text of `node`; of a new node, rendered as a part of the tree of `within`
        (an original node: the module's indentation and line ends)."""
        return self.module.code_for_node(node)

    def snippet(self, node: cst.CSTNode, limit: int = 50) -> str:
        text = " ".join(self.code(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """What a name or dotted attribute refers to through the file's imports:
        `nn.NLLLoss` -> {"torch.nn.NLLLoss"} after `import torch.nn as nn`. Empty when its
        first name is not imported (a local variable, a builtin)."""
        parts: list[str] = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return set()
        base = self.imported.get(node.value)
        if base is None:
            return set()
        return {".".join([base, *reversed(parts)])}

    def variables(self, name: str, scope: cst.CSTNode | None = None) -> list[tuple[cst.Name, bool]]:
        """Every use of variable `name` in the file, or directly in `scope` (a function,
        as enclosing_function gives it): (node, True when it binds the name). By scope
        from an index: a file of 10,000 functions using `logits` is not scanned per fix."""
        found = []
        nodes = self._walk[1].get(name, ()) if scope is None else self._walk[3].get((id(scope), name), ())
        for node in nodes:
            role = _role(node, self.parents.get(node), self.parents)
            if role is not None:
                found.append((node, role))
        return found

    def names_below(self, top: cst.CSTNode, name: str) -> list[cst.Name]:
        """The Name nodes spelled `name` inside `top` (nested functions included)."""
        found, stack = [], [top]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name) and node.value == name:
                found.append(node)
            stack.extend(children(node))
        return found

    def enclosing_function(self, node: cst.CSTNode) -> cst.CSTNode:
        """The def (or lambda, or the module) whose body holds `node`."""
        current = self.parent(node)
        while current is not None and not isinstance(current, (cst.FunctionDef, cst.Lambda, cst.Module)):
            current = self.parent(current)
        return current if current is not None else self.module

    def binds(self, name: str) -> bool:
        """Whether the file binds `name` anywhere (assignment, def, class, import, param)."""
        if name in self.imported:
            return True
        for node in self._walk[1].get(name, ()):
            parent = self.parents.get(node)
            if _role(node, parent, self.parents) or (
                isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param)) and parent.name is node
            ):
                return True
        return False


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """node.children, in an order that differs only where no two children hold names
    (whitespace, brackets, commas come last). libcst's property rebuilds the node through
    a visitor to learn its children, which made the walk above half of a fix's time in a
    large file; reading the fields is 2.5x faster. The order of names matters (the first
    import of a name wins, variables() lists in this order): tests/fixes/test_source_walk.py
    checks it against libcst's on real code."""
    found = []
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif type(value) is tuple or type(value) is list:
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
    return found


# Node types whose fields are not declared in source order: the fields that may hold names,
# in source order (positions.py's table, and an argument's keyword before its value).
_NAMES_ORDER = {**SOURCE_ORDER, cst.Arg: ("keyword", "value")}
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        every = [field.name for field in dataclasses.fields(kind)] if dataclasses.is_dataclass(kind) else []
        first = _NAMES_ORDER.get(kind, ())
        names = _CHILD_FIELDS[kind] = (*first, *(name for name in every if name not in first))
    return names


def _imported_names(node: cst.Import | cst.ImportFrom) -> dict[str, str]:
    found = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                found[alias.asname.name.value] = dotted
            else:
                found[dotted.split(".")[0]] = dotted.split(".")[0]
    elif not node.relative and not isinstance(node.names, cst.ImportStar):
        module = dotted_name(node.module)
        for alias in node.names:
            name = dotted_name(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            found[local] = f"{module}.{name}"
    return found


def _role(node: cst.Name, parent, parents) -> bool | None:
    """True: binds the variable; False: reads it; None: not a variable (an attribute or
    keyword name, a def/class/param/import name)."""
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return None
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return None
    if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param)) and parent.name is node:
        return None
    if isinstance(parent, (cst.ImportAlias, cst.NameItem)):
        return None
    if isinstance(parent, cst.AsName):  # `with open(p) as f`, `except E as e` bind; imports not
        return True if isinstance(parents.get(parent), (cst.WithItem, cst.ExceptHandler)) else None
    target = node
    while isinstance(parent, (cst.Element, cst.Tuple, cst.List, cst.StarredElement)):
        target, parent = parent, parents.get(parent)
    if isinstance(parent, (cst.AssignTarget, cst.For, cst.CompFor)) and getattr(parent, "target", None) is target:
        return True
    return isinstance(parent, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)) and parent.target is target


# --- text <-> positions ---------------------------------------------------------------------


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in _LINE_END.finditer(text))
    return starts


def offset_of(starts: list[int], position: Position) -> int:
    return starts[position.row - 1] + position.column - 1


def position_of(starts: list[int], offset: int) -> Position:
    row = bisect.bisect_right(starts, offset) - 1
    return Position(row + 1, offset - starts[row] + 1)


def diff_edits(path: str, old: str, new: str, starts: list[int] | None = None, offset: int = 0) -> list[Edit]:
    """Small text edits that turn `old` into `new`: changed line blocks, trimmed to the
    characters that differ, so an edit touches only what the fix changed. `old` may be a
    piece of the file: it starts at `offset`, and `starts` are the file's line starts.

    Linear in the text: the lines both share at the start and at the end are skipped
    first, and difflib (quadratic) only matches the lines between the first and the last
    change, which for a fix is a few lines (a 5 MB file made it 44% of a check)."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < min(len(old_lines), len(new_lines)) - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    old_offsets = _cumulative(old_lines)
    new_offsets = _cumulative(new_lines)
    if starts is None:
        starts = line_starts(old)
    edits: list[Edit] = []
    middle_old, middle_new = old_lines[head : len(old_lines) - tail], new_lines[head : len(new_lines) - tail]
    matcher = difflib.SequenceMatcher(None, middle_old, middle_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        begin, end = old_offsets[head + i1], old_offsets[head + i2]
        before, after = old[begin:end], new[new_offsets[head + j1] : new_offsets[head + j2]]
        prefix = _common_prefix(before, after)
        suffix = _common_suffix(before[prefix:], after[prefix:])
        content = after[prefix : len(after) - suffix]
        site = Site(path, position_of(starts, offset + begin + prefix), position_of(starts, offset + end - suffix))
        edits.append(Edit(content, site))
    return edits


def _cumulative(lines: list[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _common_suffix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[-1 - i] == b[-1 - i]:
        i += 1
    return i


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits of one file (positions refer to `text`)."""
    starts = line_starts(text)
    spans = sorted(((offset_of(starts, e.site.start), offset_of(starts, e.site.end), e.content) for e in edits), reverse=True)
    for begin, end, content in spans:
        text = text[:begin] + content + text[end:]
    return text


def span(starts: list[int], edit: Edit) -> tuple[int, int]:
    return offset_of(starts, edit.site.start), offset_of(starts, edit.site.end)


def compiles(text: str, path: str) -> bool:
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
