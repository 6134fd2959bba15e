"""A very large file, cut into runs of top-level statements that are parsed one at a time.

libcst's tree of a file takes about 500 bytes of memory per byte of source: a 5 MB
generated file would need 2.5 GB held at once. A file of CHUNKED_FROM characters or more
is therefore cut into chunks of about CHUNK_SIZE characters, each a run of whole top-level
statements starting at a line start, and each chunk is parsed, read and freed before the
next (extract.py; the fixes parse one top-level statement at a time, fixes/chunked.py). Below that size a
file takes the one-tree path it always took.

Where to cut. A chunk ends just before a line that starts at column 0 with something other
than a comment, a closing bracket or a clause that continues a statement (`else`, `elif`,
`except`, `finally`), and that does not follow a decorator line. That guess is checked,
not trusted: each chunk must compile alone with CPython's parser (parsing.guard, which
every file goes through anyway, and whose tree gives the chunk's positions). A cut inside
a multi-line string, inside brackets, after a backslash, between a decorator and its
definition or before an `else` leaves a chunk that does not compile (an unterminated string
or bracket, a decorator with nothing under it, an `else` alone), so a chunk that compiles
holds exactly the statements it holds in the whole file. A chunk that does not compile is
grown to the next candidate line; when that does not help within MAX_GROWTH chunks' worth
(a real syntax error, syntax newer than this Python, a nesting guard.Unparsable rejects),
the file goes the one-tree way, which reports exactly what it reports today.

Hand-written rather than `tokenize`: the pure-Python tokenizer of Python 3.11 costs about a
second per MB, and CPython's compile of each chunk is needed anyway.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from losslint.analysis.parsing import Unparsable, guard

CHUNKED_FROM = 400_000  # characters: a file this large is parsed a chunk at a time
CHUNK_SIZE = 16_000  # characters per chunk, about (a libcst tree of ~8 MB; smaller parse no faster)
MAX_GROWTH = 8  # a chunk that still does not compile at this many CHUNK_SIZEs: no chunks

# A line that may start a top-level statement (re.M: at every line start).
_CANDIDATE = re.compile(r"^(?![\s#)\]}]|(?:else|elif|except|finally)\b)", re.M)


class NotChunkable(Exception):
    """The file cannot be cut safely: it goes the one-tree way."""


@dataclass(frozen=True, slots=True)
class Chunk:
    row: int  # the 1-based row of the file where the chunk's first line is
    start: int  # offset in the file
    text: str
    tree: ast.Module  # CPython's tree of the text (rows counted from the chunk's first line)


def wanted(source: str) -> bool:
    """Whether the file is large enough to be parsed in chunks (and has only \\n or \\r\\n
    line ends: a lone \\r is a line end to libcst but not to the row count here)."""
    return len(source) >= CHUNKED_FROM and "\r" not in source.replace("\r\n", "")


def split(source: str, size: int | None = None) -> Iterator[Chunk]:
    """The chunks of `source` in order, each checked by CPython's parser; raises
    NotChunkable (at any point of the iteration) when the file cannot be cut safely."""
    size = size or CHUNK_SIZE
    start, row = 0, 1
    while start < len(source):
        end = _cut(source, start + size)
        while True:
            text = source[start:end]
            try:
                tree = guard(text)
            except Unparsable:
                raise NotChunkable("a parser guard rejects a chunk") from None
            if tree is not None:
                break
            if end >= len(source) or end - start > MAX_GROWTH * size:
                raise NotChunkable("no cut compiles")
            end = _cut(source, end + 1)
        yield Chunk(row, start, text, tree)
        row += text.count("\n")
        start = end


def rows(source: str, size: int | None = None) -> tuple[int, ...]:
    """The first rows of the chunks."""
    return tuple(chunk.row for chunk in split(source, size))


def statement_rows(chunk: Chunk) -> list[int]:
    """The file's row where each top-level statement of the chunk starts (its first
    decorator's), the chunk's first row for the first: the lines from one to the next
    compile alone, as the chunk does (FileFacts.cuts, for the fixes)."""
    found = [chunk.row]
    for statement in chunk.tree.body[1:]:
        decorators = getattr(statement, "decorator_list", ())
        found.append(min([statement.lineno, *(d.lineno for d in decorators)]) + chunk.row - 1)
    return found


def _cut(source: str, offset: int) -> int:
    """The offset of the first candidate line start at or after `offset` (see the module
    doc), or the end of the source."""
    if offset >= len(source):
        return len(source)
    if source[offset - 1] != "\n":  # to the next line start
        offset = source.find("\n", offset) + 1
        if offset == 0:
            return len(source)
    while True:
        match = _CANDIDATE.search(source, offset)
        if match is None:
            return len(source)
        at = match.start()
        if at > 0 and not _after_decorator(source, at):
            return at
        offset = source.find("\n", at) + 1
        if offset == 0:
            return len(source)


def _after_decorator(source: str, at: int) -> bool:
    """Whether the last non-blank, non-comment line before `at` is a decorator."""
    end = at
    while end > 0:
        begin = source.rfind("\n", 0, end - 1) + 1
        line = source[begin:end].strip()
        if line and not line.startswith("#"):
            return line.startswith("@")
        end = begin
    return False
