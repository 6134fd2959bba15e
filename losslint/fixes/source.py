"""One file as the fixes see it: its libcst tree, node positions, and text edits.

Positions follow the JSON contract (findings.Site): 1-based rows and columns counted in
characters, end exclusive. Lines end at \\r\\n, \\r or \\n, as for libcst and Python.
"""

from __future__ import annotations

import difflib
import re
from functools import cached_property

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, ScopeProvider

from losslint.findings import Edit, Position, Site

_LINE_END = re.compile(r"\r\n|\r|\n")


class SourceFile:
    """A parsed file. Nodes are those of `self.module` (the wrapper's copy)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.wrapper = MetadataWrapper(cst.parse_module(text))
        self.module = self.wrapper.module

    @cached_property
    def positions(self):
        return self.wrapper.resolve(PositionProvider)

    @cached_property
    def parents(self):
        return self.wrapper.resolve(ParentNodeProvider)

    @cached_property
    def scopes(self):
        return self.wrapper.resolve(ScopeProvider)

    @cached_property
    def _by_range(self) -> dict[tuple, list[cst.CSTNode]]:
        table: dict[tuple, list[cst.CSTNode]] = {}
        for node, code_range in self.positions.items():
            key = (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)
            table.setdefault(key, []).append(node)
        return table

    def node_at(self, site: Site, kind: type = cst.Call) -> cst.CSTNode | None:
        """The node of type `kind` that spans exactly `site`."""
        key = (site.start.row, site.start.column - 1, site.end.row, site.end.column - 1)
        for node in self._by_range.get(key, ()):
            if isinstance(node, kind):
                return node
        return None

    def site_of(self, node: cst.CSTNode) -> Site:
        code_range = self.positions[node]
        return Site(
            self.path,
            Position(code_range.start.line, code_range.start.column + 1),
            Position(code_range.end.line, code_range.end.column + 1),
        )

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def snippet(self, node: cst.CSTNode, limit: int = 50) -> str:
        text = " ".join(self.code(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        scope = self.scopes.get(node)
        if scope is None:
            return set()
        try:
            return {q.name for q in scope.get_qualified_names_for(node)}
        except Exception:  # noqa: BLE001 - libcst raises on odd names; unknown then
            return set()


# --- text <-> positions ---------------------------------------------------------------------


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in _LINE_END.finditer(text))
    return starts


def offset_of(starts: list[int], position: Position) -> int:
    return starts[position.row - 1] + position.column - 1


def position_of(starts: list[int], offset: int) -> Position:
    row = _bisect(starts, offset)
    return Position(row + 1, offset - starts[row] + 1)


def _bisect(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low


def diff_edits(path: str, old: str, new: str) -> list[Edit]:
    """Small text edits that turn `old` into `new`: changed line blocks, trimmed to the
    characters that differ, so an edit touches only what the fix changed."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_offsets = _cumulative(old_lines)
    new_offsets = _cumulative(new_lines)
    starts = line_starts(old)
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        begin, end = old_offsets[i1], old_offsets[i2]
        new_begin, new_end = new_offsets[j1], new_offsets[j2]
        before, after = old[begin:end], new[new_begin:new_end]
        prefix = _common_prefix(before, after)
        suffix = _common_suffix(before[prefix:], after[prefix:])
        content = after[prefix : len(after) - suffix]
        start = position_of(starts, begin + prefix)
        stop = position_of(starts, end - suffix)
        edits.append(Edit(content, Site(path, start, stop)))
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


def span(text_starts: list[int], edit: Edit) -> tuple[int, int]:
    return offset_of(text_starts, edit.site.start), offset_of(text_starts, edit.site.end)


def compiles(text: str, path: str) -> bool:
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
