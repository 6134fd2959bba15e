"""Atomic file writes: a temporary file beside the target, renamed over it.

A reader (or a crash) sees the old bytes or the new ones, never a part. Every writer in
losslint goes through here: fixes, --add-noqa, notebooks, the fact cache.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path

SUFFIX = ".losslint-tmp"
# `.NAME.PID.RANDOM.losslint-tmp` (mkstemp's random part has no dot); older losslint
# wrote `.NAME.RANDOM.losslint-tmp`, without the pid.
_TEMPORARY = re.compile(r"^\.(?P<name>.+?)(?:\.(?P<pid>\d+))?\.[a-z0-9_]+\.losslint-tmp$")
# A temporary file without a live owner: a writer takes milliseconds, so one this old
# whose process cannot be told was left by a killed run.
STALE_SECONDS = 60


def temporary_beside(path: Path, data: bytes, mode: int | None = None) -> str:
    """Write `data` to a new temporary file in `path`'s directory and return its name.

    The file gets `mode`, or the mode `path` has now (mkstemp's 0600 would otherwise
    replace it). On any failure the temporary file is removed.
    """
    if mode is None:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=SUFFIX)
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


def is_temporary(name: str) -> bool:
    return name.endswith(SUFFIX) and _TEMPORARY.match(name) is not None


def remove_stale(paths: list[Path], now: float | None = None) -> int:
    """Remove the temporary files among `paths` that a killed run left: their process is
    gone, or (no pid in the name) they are older than STALE_SECONDS. -> how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in paths:
        match = _TEMPORARY.match(path.name)
        if match is None:
            continue
        pid = match.group("pid")
        try:
            if pid is not None:
                if int(pid) == os.getpid() or alive(int(pid)):
                    continue
            elif now - os.stat(path).st_mtime < STALE_SECONDS:
                continue
            os.unlink(path)
            removed += 1
        except (OSError, ValueError):
            continue
    return removed


def stale_beside(files: list[str]) -> list[Path]:
    """The temporary files in the directories of `files` (for files named, whose
    directories discovery did not walk)."""
    found = []
    for directory in {Path(f).parent for f in files}:
        try:
            found += [directory / n for n in os.listdir(directory) if is_temporary(n)]
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
