"""Python code embedded in documents: Markdown and reStructuredText files (fenced and
directive blocks, doctests), linted as one source per document like a notebook's cells.

    core.py      blocks -> one joined source, positions mapped back, fixes written back
    markdown.py  fenced blocks (markdown-it-py), MyST code cells
    rst.py       code directives, `::` literal blocks, doctest blocks
    doctest.py   `>>>` examples (in any of the above, and in a Python file's docstrings)
"""

from __future__ import annotations

import os
from pathlib import Path

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".rst": "rst"}


def is_document(path: str | os.PathLike) -> bool:
    return os.path.splitext(str(path))[1].lower() in SUFFIXES


def parse(text: str, path: str):
    """A document's text -> documents.core.Document (its Python blocks joined)."""
    from losslint.documents import core, markdown, rst

    reader = markdown if SUFFIXES[os.path.splitext(path)[1].lower()] == "markdown" else rst
    return core.document(path, text, reader.blocks(text))


def read(path: str | os.PathLike):
    """Read a document file (UTF-8, BOM allowed). Raises OSError, UnicodeDecodeError."""
    text = Path(path).read_bytes().decode("utf-8-sig")
    return parse(text, str(path)) if is_document(path) else with_doctests(text, str(path))


def embedded(path: str, text: str):
    """What the linter reads of a file that embeds Python: a Document for Markdown and
    reStructuredText, and for a Python file whose docstrings hold doctest examples (the
    file and its examples, analysed together as doctest runs them: with the module's
    names); None for any other file (its text is the source)."""
    if is_document(path):
        return parse(text, path)
    if path.endswith(".py") and ">>>" in text:
        return with_doctests(text, path)
    return None


def with_doctests(text: str, path: str):
    """A Python file joined with the doctest examples of its docstrings (None without)."""
    from losslint.documents import core, doctest

    groups = doctest.in_docstrings(text)
    if not groups:
        return None
    code = [line.rstrip("\r") for line in text.split("\n")]
    if code and code[-1] == "":
        code.pop()
    blocks = [core.Block(list(range(1, len(code) + 1)), [""] * len(code), code, container=True)]
    for number, group in enumerate(groups):
        # doctest runs a docstring's examples with a copy of the module's names: in a
        # function of their own, their bindings (`model = ...`, imports) stay theirs.
        row = group[0].rows[0]
        blocks.append(core.Block([row, row], ["", ""], [f"def _losslint_doctest_{number}():", "    pass"], synthetic=True))
        for example in group:
            example.shift = "    "
            blocks.append(example)
    page = core.document(path, text, blocks)
    return page if any(block.doctest for block in page.blocks) else None

