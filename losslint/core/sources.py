"""Source text: reading a file as Python does, splitting it into lines as the tokenizer
does, quoting a site of it in a message, and showing its path. The one low module every
layer may use for these (the engine, the rules, the fixes, the reporters, the editors).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from losslint.core.findings import Site

# Reads the source text of a site, for messages ("`nn.Softmax(dim=1)` output reaches ...").
SnippetReader = Callable[[Site], str]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def read_source(path: str | os.PathLike) -> str:
    """Decode like Python does for source files (UTF-8, BOM allowed)."""
    return Path(path).read_bytes().decode("utf-8-sig")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits them (not at
    form feeds or other characters that str.splitlines treats as line breaks)."""
    return _LINE.findall(text)


def display_path(path: str) -> str:
    """Paths relative to the current directory when below it, like ruff."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


class Snippets:
    """A SnippetReader over in-memory sources: each file is split into lines when first
    quoted (a message quotes a few files of thousands)."""

    def __init__(self, sources: dict[str, str], limit: int = 60) -> None:
        self.sources = sources
        self.limit = limit
        self._lines: dict[str, list[str]] = {}

    def __call__(self, site: Site) -> str:
        """The source text of a site on one line, shortened for a message."""
        file_lines = self._file_lines(site.path)
        if not 0 < site.start.row <= len(file_lines):
            return "?"
        if site.start.row == site.end.row:
            text = file_lines[site.start.row - 1][site.start.column - 1 : site.end.column - 1]
        else:
            parts = [file_lines[site.start.row - 1][site.start.column - 1 :]]
            parts += file_lines[site.start.row : site.end.row - 1]
            parts.append(file_lines[site.end.row - 1][: site.end.column - 1])
            text = " ".join(p.strip() for p in parts)
        text = " ".join(text.split())
        return text if len(text) <= self.limit else text[: self.limit - 3] + "..."

    def _file_lines(self, path: str) -> list[str]:
        if path not in self._lines:
            source = self.sources.get(path)
            self._lines[path] = source.splitlines() if source is not None else []
        return self._lines[path]


def marked_root(start: Path) -> Path | None:
    """The nearest directory from `start` up that holds pyproject.toml or .git."""
    here = start.resolve()
    for directory in (here, *here.parents):
        if (directory / "pyproject.toml").is_file() or (directory / ".git").exists():
            return directory
    return None
