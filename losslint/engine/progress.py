"""A one-line progress indicator on stderr, for long runs on a terminal only.

Silent unless the stream is a TTY; it only appears once a run has taken DELAY seconds (a
quick run never flickers), redraws at most ten times a second, and erases itself at the
end so that the findings print on a clean line.
"""

from __future__ import annotations

import sys
import time

DELAY = 0.5
_INTERVAL = 0.1


class Progress:
    def __init__(self, stream=None, label: str = "parsing") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.start = time.monotonic()
        self._drawn = 0.0
        self._width = 0
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.enabled = False

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < DELAY or (now - self._drawn < _INTERVAL and done < total):
            return
        self._drawn = now
        self._write(f"losslint: {self.label} {done}/{total} files")

    def close(self) -> None:
        if self.enabled and self._width:
            self._write("")
            self._width = 0

    def _write(self, text: str) -> None:
        padding = " " * max(self._width - len(text), 0)
        try:
            self.stream.write("\r" + text + padding + ("\r" if not text else ""))
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False
        self._width = len(text)


def for_output(output_format: str, quiet: bool = False) -> Progress | None:
    """A progress indicator for human output formats; none for machine-read ones."""
    if quiet or output_format not in ("full", "concise"):
        return None
    progress = Progress()
    return progress if progress.enabled else None
