"""What reporters need besides the findings: colour, and the source lines of a site."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from losslint.core import notebook
from losslint.core.findings import Site
from losslint.core.sources import read_source, split_lines


@dataclass
class Context:
    color: bool = False
    # Sources not on disk (stdin, an editor buffer): path -> text. Others are read from disk.
    sources: dict[str, str] = field(default_factory=dict)
    # Jupyter notebooks by path (losslint.core.notebook.Notebook), for cell frames.
    notebooks: dict[str, Any] = field(default_factory=dict)
    # Whether unsafe fixes are applied (--unsafe-fixes): then they count as fixable.
    unsafe_fixes: bool = False
    quiet: bool = False  # --quiet: the findings only, no closing summary
    fixed: int = 0  # findings fixed by --fix: the summary counts them
    # The severity of each fixed finding ("error", "warning"), for the summary's wording;
    # fixed findings it does not list count as errors.
    fixed_severities: list[str] = field(default_factory=list)
    _cache: dict[tuple[str, int | None], list[str] | None] = field(default_factory=dict, repr=False)

    def lines(self, site: Site) -> list[str] | None:
        """The lines of the file (or notebook cell) of a site; None when unreadable."""
        key = (site.path, site.cell)
        if key not in self._cache:
            self._cache[key] = self._read(site)
        return self._cache[key]

    def _read(self, site: Site) -> list[str] | None:
        try:
            if site.cell is not None:
                book = self.notebooks.get(site.path) or notebook.read(site.path)
                return [line.rstrip("\r\n") for line in book.cell_lines(site.cell)]
            text = self.sources.get(site.path)
            if text is None:
                text = read_source(site.path)
        except Exception:  # noqa: BLE001 - a missing frame is not worth failing the report
            return None
        return [line.rstrip("\r\n") for line in split_lines(text)]


def use_color(choice: str, stream: TextIO | None = None) -> bool:
    """--color always|never win; `auto` colours a terminal unless NO_COLOR is set, and
    FORCE_COLOR colours anything (it wins over NO_COLOR: it is the more deliberate one)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if os.environ.get("NO_COLOR", ""):
        return False
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Style:
    """ANSI styles, or nothing when colour is off."""

    CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36", "dim": "2"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(self.CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def severity(self, severity: str) -> str:
        return "red" if severity == "error" else "yellow"
