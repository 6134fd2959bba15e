"""A document's Python blocks as one source (documents.core.Document, on the shared
core.joined.Joined): findings put back at the document's rows and columns, fixes written
back into the blocks only, every other byte of the document kept."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from losslint.core.findings import Position, Site
from losslint.core.joined import Joined
from losslint.core.notebook import StatementScanner, blank_ipython


@dataclass
class Block:
    """A piece of code in a document: each line's row in the document, the text before
    the code on that row (indentation, a `>>> ` prompt), and the code itself."""

    rows: list[int]  # 1-based document rows
    prefixes: list[str]
    code: list[str]
    doctest: bool = False
    indent: str = ""  # the indentation of new lines (before a doctest's prompt)
    # A whole Python file, around the doctests of its docstrings: kept even if it does not
    # parse (that is the file's syntax error to report), never blanked.
    container: bool = False
    # Indentation the joined source puts before each line (a docstring's examples run in
    # a function of their own: doctest gives them a copy of the module's names, so their
    # bindings must not rebind the module's), and lines that only the joined source has
    # (that function's `def`): never mapped back or written.
    shift: str = ""
    synthetic: bool = False


def parses(code: list[str]) -> bool:
    """Whether lines of code are a Python module on their own (a fragment, pseudo-code
    or another language's block is not linted). `ast`, not libcst: this only has to
    say yes or no, for every block of every document, and is many times faster."""
    try:
        ast.parse("".join(line + "\n" for line in code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass(kw_only=True)
class Document(Joined):
    """A Markdown or reStructuredText file (or a docstring's doctests): its Python
    blocks joined into one source. Findings are put back at document rows and columns
    (`site`); `apply_source` rewrites only the blocks a fix changed, leaving every
    other byte of the document as it was."""

    path: str
    text: str  # the file as read
    blocks: list[Block]

    def site(self, site: Site) -> Site:
        return Site(site.path, self.position(site.start), self.position(site.end))

    def position(self, position: Position) -> Position:
        if not self.origin:
            return position
        block, within = self.block_position(position)
        rows, prefixes = self.blocks[block].rows, self.blocks[block].prefixes
        index = min(within.row, len(rows)) - 1
        past = within.row - 1 - index  # rows past the block's end (the end of the source)
        shift = len(self.blocks[block].shift)
        return Position(rows[index] + past, max(1, within.column - shift) + (len(prefixes[index]) if not past else 0))

    def row(self, row: int | None) -> int | None:
        return None if row is None else self.position(Position(row, 1)).row

    def apply_source(self, fixed_source: str) -> str:
        """The document's new text once `fixed_source` (a fixed joined source) is in."""
        if not self.origin:
            return self.text
        return self._rewrite({block: self._new_lines(block, lines) for block, lines in self.regroup(fixed_source).items()})

    def replace_lines(self, replacements: dict[int, str]) -> str:
        """The document's new text with joined rows (1-based) replaced in place (for
        --add-noqa); blanked rows are left as they are."""
        blocks: dict[int, list[int | str]] = {}
        for index, (block, _) in enumerate(self.origin):
            line = replacements.get(index + 1)
            keep = line is None or self.lines[index] != self.real[index]
            blocks.setdefault(block, []).append(index if keep else line)
        return self._rewrite({block: self._new_lines(block, lines) for block, lines in blocks.items()})

    def _new_lines(self, block: int, lines: list[int | str]) -> list[tuple[int | None, str]]:
        """(document row or None, text) for a block's regrouped lines: a kept line as the
        document has it, a new one with the block's indentation (and prompt, in a doctest)."""
        out: list[tuple[int | None, str]] = []
        spec = self.blocks[block]
        scanner = StatementScanner()
        for line in lines:
            if isinstance(line, int):
                row = spec.rows[self.origin[line][1] - 1]
                out.append((row, self._doc_lines[row - 1]))
                code = self.real[line][len(spec.shift):]
            else:
                code = line[len(spec.shift):] if spec.shift and line.startswith(spec.shift) else line
                if spec.doctest:
                    prompt = ">>>" if scanner.at_statement_start() and not code[:1].isspace() else "..."
                    out.append((None, spec.indent + prompt + (" " + code if code else "")))
                else:
                    out.append((None, spec.indent + code if code else ""))
            scanner.feed(code)
        return out

    def _rewrite(self, blocks: dict[int, list[tuple[int | None, str]]]) -> str:
        """The document with each changed block's rows replaced by its new lines. A
        container block (a Python file around its docstrings' doctests) is rewritten
        first and the blocks inside it are spliced in where their rows still are."""
        doc = self._doc_lines
        changed = {b: lines for b, lines in blocks.items()
                   if not self.blocks[b].synthetic and [t for _, t in lines] != [doc[r - 1] for r in self.blocks[b].rows]}
        if not changed:
            return self.text
        outer = next((b for b in changed if self.blocks[b].container), None)
        if outer is not None:
            last = self.blocks[outer].rows[-1]
            base = changed.pop(outer) + [(row, doc[row - 1]) for row in range(last + 1, len(doc) + 1)]
        else:
            base = [(row, doc[row - 1]) for row in range(1, len(doc) + 1)]
        spliced = {self.blocks[b].rows[0]: (self.blocks[b].rows[-1], [t for _, t in lines]) for b, lines in changed.items()}
        out: list[str] = []
        skip_to = 0
        for row, text in base:
            if row is not None and row <= skip_to:
                continue
            if row is not None and row in spliced:
                skip_to, lines = spliced[row]
                out += lines
                continue
            out.append(text)
        newline = "\r\n" if "\r\n" in self.text else "\n"
        return newline.join(out)

    @functools.cached_property
    def _doc_lines(self) -> list[str]:
        return [line.rstrip("\r") for line in self.text.split("\n")]


def document(path: str, text: str, blocks: list[Block]) -> Document:
    """Join the blocks that parse as Python into one document source."""
    lines: list[str] = []
    origin: list[tuple[int, int]] = []
    real: list[str] = []
    kept = []
    for block in blocks:
        blanked = list(block.code) if block.container or block.synthetic else blank_ipython(block.code)
        if not (block.container or block.synthetic) and (not block.code or not parses(blanked)):
            continue
        lines += [block.shift + line if line else line for line in blanked]
        real += [block.shift + line if line else line for line in block.code]
        origin += [(len(kept), row) for row in range(1, len(block.code) + 1)]
        kept.append(block)
    return Document(path=path, text=text, blocks=kept, lines=lines, origin=origin, real=real)
