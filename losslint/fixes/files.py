"""Writing fixed sources back: only when changed, all files or none, keeping each file.

    1. every file is read again and must hold what was linted (else nothing is written);
    2. every file must be writable, by its mode and for this user: a read-only (0444)
       file is refused even for root, who could write it (exit 2, nothing written);
    3. each file is opened for writing (a failure here writes nothing either);
    4. the originals go into the fix journal (losslint.core.journal: a verified backup
       that the next run uses if this one is killed);
    5. each file is written in place: same inode, so owner, group, mode, hard links and
       symlinks to it stay as they were (a rename would make a new, root-owned file that
       splits hard links); SIGINT and SIGTERM meanwhile roll every file back;
    6. the journal is removed: the fix has landed.
A failure at step 5 puts the files already written back from the originals in memory.
Errors name the user's file. Line endings and a UTF-8 BOM survive because the fixes never
translate newlines and the BOM is put back. Notebooks: only the changed cells.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from losslint import documents
from losslint.core import journal, notebook

BOM = b"\xef\xbb\xbf"

# Test hook, used only by the tests of interrupted fixes: a file name. After writing the
# first file of a fix, losslint creates that file and waits there for up to a minute (the
# test kills it meanwhile).
PAUSE_ENV = "LOSSLINT_TEST_PAUSE_AFTER_FIRST_FILE"


class WriteError(Exception):
    """A fixed file could not be written; every file is as it was."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived while files were being written; every file is as it was."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def encode(path: str, original: bytes, fixed: str) -> bytes:
    """The bytes of file `path` (now `original`) once its linted source is `fixed`."""
    if notebook.is_notebook(path):
        book = notebook.parse(original.decode("utf-8-sig"), path)
        return notebook.apply_source(book, fixed).encode("utf-8")
    page = documents.embedded(path, original.decode("utf-8-sig"))
    if page is not None:  # only the changed blocks; every other byte stays
        return (BOM if original.startswith(BOM) else b"") + page.apply_source(fixed).encode("utf-8")
    return (BOM if original.startswith(BOM) else b"") + fixed.encode("utf-8")


def linted_text(path: str, original: bytes) -> str:
    """What the linter read from these bytes (to see that a file did not change meanwhile)."""
    text = original.decode("utf-8-sig")
    if notebook.is_notebook(path):
        return notebook.parse(text, path).source
    page = documents.embedded(path, text)
    return page.source if page is not None else text


def _name(path: str) -> str:
    from losslint.core.sources import display_path

    return display_path(path)


def write_all(fixed: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Write {path: fixed source}; `expected` holds the sources the fixes were made from.
    A file whose content changed since is left alone (and named in the error)."""
    originals: dict[str, bytes] = {}
    for path in fixed:
        try:
            originals[path] = Path(path).read_bytes()
        except OSError as exc:
            raise WriteError(f"cannot read {_name(path)}: {exc.strerror or exc}") from None
        try:
            current = linted_text(path, originals[path])
        except (UnicodeDecodeError, ValueError):
            current = None
        if current != expected.get(path):
            raise WriteError(f"{_name(path)} changed while it was being fixed; nothing was written")
    payloads = {path: encode(path, originals[path], text) for path, text in fixed.items()}
    payloads = {path: data for path, data in payloads.items() if data != originals[path]}
    if not payloads:
        return []
    for path in payloads:
        refuse_unwritable(path)
    handles = _open_all(payloads)
    try:
        _write(payloads, originals, handles)
    finally:
        for fd in handles.values():
            os.close(fd)
    return sorted(payloads)


def refuse_unwritable(path: str) -> None:
    """A file that its mode makes read-only, or that this user may not write, is refused."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise WriteError(f"cannot write {_name(path)}: {exc.strerror or exc}; nothing was written") from None
    if not stat.S_ISREG(mode):
        raise WriteError(f"cannot write {_name(path)}: not a regular file; nothing was written")
    if not mode & 0o222 or not os.access(path, os.W_OK):
        why = f"read-only (mode {stat.S_IMODE(mode):04o})" if not mode & 0o222 else "not writable by this user"
        raise WriteError(f"cannot fix {_name(path)}: the file is {why}; nothing was written")


def _open_all(payloads: dict[str, bytes]) -> dict[str, int]:
    handles: dict[str, int] = {}
    try:
        for path in payloads:
            handles[path] = os.open(path, os.O_WRONLY)
    except OSError as exc:
        for fd in handles.values():
            os.close(fd)
        raise WriteError(f"cannot write {_name(path)}: {exc.strerror or exc}; nothing was written") from None
    return handles


def _write(payloads: dict[str, bytes], originals: dict[str, bytes], handles: dict[str, int]) -> None:
    try:
        place = journal.begin(journal.root_for(list(payloads)), [journal.Target(p, originals[p], d) for p, d in payloads.items()])
    except OSError as exc:
        raise WriteError(f"cannot keep a backup of {', '.join(map(_name, payloads))} (the fix journal): {exc.strerror or exc}; nothing was written") from None
    written: list[str] = []
    current = ""
    try:
        with _signals_raise():
            for current in payloads:
                written.append(current)
                journal.write_in_place(current, payloads[current], handles[current])
                _test_pause(len(written))
    except BaseException as exc:
        with _signals_blocked():
            for path in written:
                try:
                    journal.write_in_place(path, originals[path], handles[path])
                except OSError as again:  # the journal stays: the next run restores the files
                    raise WriteError(
                        f"cannot write {_name(current)}: {exc}; nor put {_name(path)} back ({again.strerror or again}): "
                        f"the next run restores it from {place}"
                    ) from None
            journal.end(place)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {_name(current)}: {exc.strerror or exc}; nothing was written") from None
        raise
    journal.end(place)


@contextmanager
def _signals_raise():
    """SIGTERM (and SIGINT, whatever its handler) raise Interrupted while files are written."""
    if not _main_thread():
        yield
        return

    def interrupted(signum, _frame):
        raise Interrupted(signum)

    previous = {s: signal.signal(s, interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def _signals_blocked():
    if not _main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _test_pause(files_written: int) -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker and files_written == 1:
        Path(marker).write_text(str(os.getpid()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
