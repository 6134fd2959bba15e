"""The fix journal (kept out of losslint.fixes, which imports libcst: every check looks
for a journal first). A fix that touches several files lands whole or not at all, even when
losslint is killed (SIGKILL, a power cut) halfway through writing them.

Before the first byte of a user's file is written, the originals go into a journal file,
`.losslint-fix-journal` in the project root (or, when that directory is not writable, a
file named after the root under the user's cache directory), written atomically, synced
and read back (a verified backup). The fixed files are then written in place, and the
journal is removed once every one is written: its removal is the commit. The next run
that finds a journal left behind by a process that is gone finishes the job: when every
file holds its fixed bytes the fix is complete, and the journal just goes; otherwise
every file is put back as it was before the fix (rolled back). Either way it says so on
stderr. A file that was edited since (neither the original, nor the fix, nor a
half-written mix of both) is left alone and named.

Hand-written because no library does journaled multi-file writes; the format is JSON
with the originals in base64 (a few files of source text).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from losslint.core.atomic import alive, write_atomic
from losslint.core.sources import marked_root

NAME = ".losslint-fix-journal"
VERSION = 1


@dataclass
class Target:
    path: str
    original: bytes
    fixed: bytes


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def root_for(paths: list[str]) -> Path:
    """Where the journal of a fix of `paths` lives: their project root (pyproject.toml or
    .git, as for the cache), else the directory that holds them all."""
    directory = Path(os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths]))
    return marked_root(directory) or directory


def locations(root: Path) -> list[Path]:
    """The journal's places, in order of preference."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [root / NAME, cache / "losslint" / f"fix-journal-{_digest(str(root).encode())[:16]}"]


def begin(root: Path, targets: list[Target]) -> Path:
    """Write the journal (the verified backup of every original); -> its path. Raises
    OSError when no place can hold it."""
    record = {
        "version": VERSION,
        "pid": os.getpid(),
        "files": [
            {
                "path": os.path.abspath(t.path),
                "original": base64.b64encode(t.original).decode("ascii"),
                "fixed": base64.b64encode(t.fixed).decode("ascii"),
            }
            for t in targets
        ],
    }
    data = json.dumps(record).encode("utf-8")
    error: OSError | None = None
    for place in locations(root):
        try:
            place.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(place, data, mode=0o600)
            if place.read_bytes() != data:  # verified before any user file is touched
                raise OSError(f"{place} did not read back as written")
            return place
        except OSError as exc:
            error = error or exc
    raise error  # type: ignore[misc]


def end(place: Path) -> None:
    try:
        place.unlink()
    except FileNotFoundError:
        pass


def write_in_place(path: str, data: bytes, fd: int | None = None) -> None:
    """Overwrite a file's bytes, keeping its inode: owner, group, mode, hard links,
    extended attributes and a symlink pointing at it all stay. Killed halfway, the file
    holds a prefix of `data` and the rest of the original, which recover() recognises."""
    own = fd is None
    if own:
        fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        done = 0
        while done < len(data):
            done += os.pwrite(fd, view[done:], done)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        if own:
            os.close(fd)


def recover(root: Path) -> list[str]:
    """Finish an interrupted fix under `root`, if any; -> lines for stderr."""
    messages: list[str] = []
    for place in locations(root):
        try:
            record = json.loads(place.read_bytes())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            messages.append(f"unreadable fix journal {place} left as it is: {exc}")
            continue
        pid = record.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and alive(pid):
            continue  # a fix in progress in another process
        messages += _recover(record)
        end(place)
    return messages


def _recover(record: dict) -> list[str]:
    from losslint.core.sources import display_path

    files = record.get("files", [])
    states = []
    for entry in files:
        original, fixed = base64.b64decode(entry["original"]), base64.b64decode(entry["fixed"])
        try:
            current = Path(entry["path"]).read_bytes()
        except OSError:
            current = None
        states.append((entry["path"], original, fixed, current))
    if all(current == fixed for _p, _o, fixed, current in states):
        names = ", ".join(display_path(path) for path, *_ in states)
        return [f"warning: an interrupted --fix had written every file ({names}); it is complete"]
    restored, kept = [], []
    for path, original, fixed, current in states:
        if current == original:
            continue
        if current is not None and _ours(current, original, fixed):
            write_in_place(path, original)
            restored.append(display_path(path))
        else:
            kept.append(display_path(path))
    lines = [f"warning: an interrupted --fix was rolled back: restored {', '.join(restored) or 'no file'}"]
    if kept:
        lines.append(f"warning: {', '.join(kept)} changed after the interrupted --fix; left as it is")
    return lines


def _ours(current: bytes, original: bytes, fixed: bytes) -> bool:
    """Whether `current` is what write_in_place leaves at some point: the fixed bytes, or
    a prefix of them over the rest of the original (killed before the truncation)."""
    if current == fixed:
        return True
    low, high = 0, min(len(current), len(fixed))  # the longest common prefix, by halves
    while low < high:
        middle = (low + high + 1) // 2
        if current[:middle] == fixed[:middle]:
            low = middle
        else:
            high = middle - 1
    return current[low:] == original[low:]


def recover_paths(paths: list[str]) -> None:
    """Before a run over `paths`: finish any fix that a killed run left half-written
    (recover), saying so on stderr. One stat per root when there is nothing to do."""
    roots = {root_for([os.path.join(p, "x") if os.path.isdir(p) else p]) for p in paths}
    for root in roots:
        for line in recover(root):
            print(f"losslint: {line}", file=sys.stderr)
