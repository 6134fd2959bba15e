"""Embedded code as one virtual source: blocks joined in order, positions mapped back.

A notebook's code cells (core/notebook.py) and a document's code blocks
(losslint/documents/) are the same thing to the linter: pieces of Python that belong to
one program. They are joined line by line into one source (`Joined.source`), which is
linted like a file; `origin` says for every joined line which block and which row of the
block it came from, so findings can be put back where the reader sees them, and a fixed
source can be split back into its blocks (`Joined.regroup`) so that only the blocks a
fix changed are rewritten.

`lines` is what the linter reads, `real` what the block holds (they differ where a line
that is not Python, an IPython `%magic` say, was blanked to keep rows aligned).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from losslint.core.findings import Position


@dataclass
class Joined:
    lines: list[str]  # the joined source, one entry per line
    origin: list[tuple[int, int]]  # per line: (block index, 0-based; row in block, 1-based)
    real: list[str]  # per line: the block's own text

    @property
    def source(self) -> str:
        """The blocks joined: what the linter analyzes."""
        return "".join(line + "\n" for line in self.lines)

    def block_position(self, position: Position) -> tuple[int, Position]:
        """A joined-source position -> (block index, position within that block)."""
        if not self.origin:
            return 0, position
        index = position.row - 1
        if index < len(self.origin):
            block, row = self.origin[index]
        else:  # the end of the source: just past the last line
            block, row = self.origin[-1]
            row += index - len(self.origin) + 1
        return block, Position(row, position.column)

    def regroup(self, fixed_source: str) -> dict[int, list[int | str]]:
        """The lines of a fixed joined source, block by block: {block index: [line]},
        each line the index of a joined line kept as it was or the text of a new one.

        The fixed lines are aligned with the original joined lines (difflib); a kept
        line stays in its block, a changed line goes where the line it replaces was
        (paired by similarity, so even a change spanning blocks lands right), an
        inserted line joins the block of the line before. Blanked lines (where `lines`
        and `real` differ) are never dropped and never paired.
        """
        new_lines = fixed_source.split("\n")
        if new_lines and new_lines[-1] == "":
            new_lines.pop()
        blocks: dict[int, list[int | str]] = {block: [] for block, _ in self.origin}
        matcher = difflib.SequenceMatcher(None, self.lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for i in range(i1, i2):
                    blocks[self.origin[i][0]].append(i)
                continue
            block = self.origin[max(i1 - 1, 0)][0]  # inserted lines join the block before
            for i, j in self._align(i1, i2, new_lines[j1:j2], j1):
                if i is not None:
                    block = self.origin[i][0]
                    if self.lines[i] != self.real[i]:  # blanked lines are never dropped
                        blocks[block].append(i)
                if j is not None:
                    blocks[block].append(new_lines[j])
        return blocks

    def _align(self, i1: int, i2: int, new: list[str], j1: int) -> list[tuple[int | None, int | None]]:
        """Old lines i1..i2 and new lines, in order, as (old, new) pairs; None for a line
        with no partner. Pairs maximize the summed similarity (blanked lines never pair)."""
        old = range(i1, i2)
        n, m = len(old), len(new)
        if n * m > 40_000:  # a huge rewrite: pair in order, no similarity
            return [(old[k] if k < n else None, j1 + k if k < m else None) for k in range(max(n, m))]

        def similarity(i: int, j: int) -> float:
            if self.lines[i] != self.real[i]:
                return -1.0
            return difflib.SequenceMatcher(None, self.lines[i], new[j], autojunk=False).ratio()

        best = [[0.0] * (m + 1) for _ in range(n + 1)]
        for a in range(1, n + 1):
            for b in range(1, m + 1):
                best[a][b] = max(best[a - 1][b], best[a][b - 1], best[a - 1][b - 1] + similarity(old[a - 1], b - 1))
        pairs: list[tuple[int | None, int | None]] = []
        a, b = n, m
        while a or b:
            if a and b and best[a][b] == best[a - 1][b - 1] + similarity(old[a - 1], b - 1):
                pairs.append((old[a - 1], j1 + b - 1))
                a, b = a - 1, b - 1
            elif a and (not b or best[a][b] == best[a - 1][b]):
                pairs.append((old[a - 1], None))
                a -= 1
            else:
                pairs.append((None, j1 + b - 1))
                b -= 1
        return pairs[::-1]
