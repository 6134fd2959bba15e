"""Python code embedded in documents: Markdown and reStructuredText files (fenced and
directive blocks, doctests), linted as one source per document like a notebook's cells.

    core.py      blocks -> one joined source, positions mapped back, fixes written back
    markdown.py  fenced blocks (markdown-it-py), MyST code cells
    rst.py       code directives, `::` literal blocks, doctest blocks
    doctest.py   `>>>` examples (in any of the above)
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
    return parse(Path(path).read_bytes().decode("utf-8-sig"), str(path))
