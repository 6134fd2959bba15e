"""Atomic file writes: a temporary file beside the target, renamed over it.

A reader (or a crash) sees the old bytes or the new ones, never a part. Every writer in
losslint goes through here: fixes, --add-noqa, notebooks, the fact cache.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def temporary_beside(path: Path, data: bytes, mode: int | None = None) -> str:
    """Write `data` to a new temporary file in `path`'s directory and return its name.

    The file gets `mode`, or the mode `path` has now (mkstemp's 0600 would otherwise
    replace it). On any failure the temporary file is removed.
    """
    if mode is None:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".losslint-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
    except BaseException:
        remove_quietly(temporary)
        raise
    return temporary


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path`'s content with `data` in one rename (see temporary_beside for mode)."""
    temporary = temporary_beside(path, data, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        remove_quietly(temporary)
        raise


def remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
