"""A very large file as the fixes see it: a top-level statement at a time, each parsed
alone when a fix asks about it (the cuts its facts record, analysis/chunks.py), instead of
one tree of the whole file (2.5 GB for 5 MB). A fix then costs what the statements it
reads cost, whatever the size of the file.

ChunkedSourceFile answers what source.SourceFile answers, the same way, as long as the
answer lies within one statement: the node at a site, parents, positions (shifted by the
piece's first row), a function's variables, text. The file's imports come from CPython's
parser over the pieces that import anything, in the order SourceFile's walk meets them.
A question about the whole module (module-level variables, whether the file binds a name
anywhere, the module's tree to render it whole or to add an import) raises NeedsWholeFile:
fixes/__init__ then builds that fix again on the whole file's tree, and the later fixes of
that file too, so a fix is the same either way, only slower and larger for those shapes.

A fix keeps every piece it parses until fixes/__init__ calls release() after it; then
all but the last KEEP pieces are freed. Findings come sorted by position, so each piece is
parsed about once.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from functools import cached_property

import libcst as cst

from losslint.core.findings import Position, Site
from losslint.fixes.source import SourceFile, line_starts

KEEP = 16  # pieces kept parsed between fixes

_IMPORT = re.compile(r"\bimport\b")


class NeedsWholeFile(Exception):
    """A question that the chunks of a very large file cannot answer alone."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class _Piece(SourceFile):
    """One piece (a top-level statement and the comments after it) parsed alone; rows
    are the file's."""

    def __init__(self, path: str, text: str, rows: int) -> None:
        super().__init__(path, text)
        self.rows = rows  # the file's rows above the chunk

    def _range(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        line, column, end_line, end_column = super()._range(node)
        return (line + self.rows, column, end_line + self.rows, end_column)

    def node_at(self, site: Site, kind: type = cst.Call) -> cst.CSTNode | None:
        rows = self.rows
        inside = Site(site.path, Position(site.start.row - rows, site.start.column), Position(site.end.row - rows, site.end.column))
        return super().node_at(inside, kind)

    def fast_start_row(self, node: cst.CSTNode) -> int | None:
        row = super().fast_start_row(node)
        return row + self.rows if row is not None else None


class _Parents:
    """node -> parent over the pieces parsed (a Mapping as far as the fixes care)."""

    def __init__(self, file: ChunkedSourceFile) -> None:
        self.file = file

    def get(self, node: cst.CSTNode, default=None):
        piece = self.file._holding(node)
        return piece.parents.get(node, default) if piece is not None else default


class ChunkedSourceFile:
    def __init__(self, path: str, text: str, rows: tuple[int, ...]) -> None:
        self.path = path
        self.text = text
        self.rows = rows  # the first row of each piece (FileFacts.cuts)
        self._pieces: dict[int, _Piece] = {}  # parsed pieces, oldest first
        self.parents = _Parents(self)

    @cached_property
    def line_starts(self) -> list[int]:
        return line_starts(self.text)

    # --- the pieces -----------------------------------------------------------------------

    def _span(self, index: int) -> tuple[int, int]:
        starts = self.line_starts
        end = starts[self.rows[index + 1] - 1] if index + 1 < len(self.rows) else len(self.text)
        return starts[self.rows[index] - 1], end

    def _piece(self, index: int) -> _Piece:
        piece = self._pieces.pop(index, None)
        if piece is None:
            begin, end = self._span(index)
            piece = _Piece(self.path, self.text[begin:end], self.rows[index] - 1)
        self._pieces[index] = piece  # the newest last
        return piece

    def _at_row(self, row: int) -> _Piece:
        return self._piece(max(0, bisect.bisect_right(self.rows, row) - 1))

    def _holding(self, node: cst.CSTNode) -> _Piece | None:
        for piece in reversed(self._pieces.values()):
            if node is piece.module or node in piece.parents:
                return piece
        return None

    def _of(self, node: cst.CSTNode) -> _Piece:
        piece = self._holding(node)
        if piece is None:  # a node of a piece freed meanwhile: not within one fix
            raise NeedsWholeFile(self.path)
        return piece

    def release(self) -> None:
        """A fix is done: its pieces may go, but for the last KEEP parsed."""
        while len(self._pieces) > KEEP:
            del self._pieces[next(iter(self._pieces))]

    # --- what SourceFile answers ----------------------------------------------------------

    @property
    def module(self) -> cst.Module:
        raise NeedsWholeFile(self.path)  # rendering the whole file, adding an import

    def node_at(self, site: Site, kind: type = cst.Call) -> cst.CSTNode | None:
        return self._at_row(site.start.row).node_at(site, kind)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def fast_start_row(self, node: cst.CSTNode) -> int | None:
        return self._of(node).fast_start_row(node)

    def site_of(self, node: cst.CSTNode) -> Site:
        return self._of(node).site_of(node)

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        return self._of(node).start(node)

    def end(self, node: cst.CSTNode) -> tuple[int, int]:
        return self._of(node).end(node)

    def code(self, node: cst.CSTNode, within: cst.CSTNode | None = None) -> str:
        return self._of(within if within is not None else node).module.code_for_node(node)

    def snippet(self, node: cst.CSTNode, limit: int = 50) -> str:
        return self._of(node).snippet(node, limit)

    def names_below(self, top: cst.CSTNode, name: str) -> list[cst.Name]:
        return self._of(top).names_below(top, name)

    def enclosing_function(self, node: cst.CSTNode) -> cst.CSTNode:
        found = self._of(node).enclosing_function(node)
        if isinstance(found, cst.Module):  # module-level code: its scope spans the pieces
            raise NeedsWholeFile(self.path)
        return found

    def variables(self, name: str, scope: cst.CSTNode | None = None) -> list[tuple[cst.Name, bool]]:
        if scope is None or isinstance(scope, cst.Module):
            raise NeedsWholeFile(self.path)
        return self._of(scope).variables(name, scope)

    def binds(self, name: str) -> bool:
        raise NeedsWholeFile(self.path)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        return SourceFile.qualified_names(self, node)

    @cached_property
    def imported(self) -> dict[str, str]:
        """As SourceFile.imported, from CPython's trees of the pieces that import anything:
        the walk there meets the imports last to first, so an earlier one wins."""
        found: dict[str, str] = {}
        for index in reversed(range(len(self.rows))):
            begin, end = self._span(index)
            text = self.text[begin:end]
            if not _IMPORT.search(text):
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                raise NeedsWholeFile(self.path) from None
            statements = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
            for statement in sorted(statements, key=lambda n: (n.lineno, n.col_offset), reverse=True):
                found.update(_python_imported_names(statement))
        return found


def _python_imported_names(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """source._imported_names, from CPython's tree."""
    found = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    elif node.level == 0 and node.names[0].name != "*":
        for alias in node.names:
            found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found

