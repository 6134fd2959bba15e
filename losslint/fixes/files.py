"""Writing fixed sources back: atomically, only when changed, all files or none.

Each file is written to a temporary file in its own directory (same file system, so the
rename is atomic), with the original's mode; then the temporary files replace the
originals. If anything fails before every file is replaced, the temporaries are removed
and the files already replaced get their original bytes back. Line endings and a UTF-8
BOM survive because the fixes never translate newlines and the BOM is put back.
Notebooks are written through losslint.core.notebook (only the changed cells).
"""

from __future__ import annotations

import os
from pathlib import Path

from losslint import documents
from losslint.core import notebook
from losslint.core.atomic import remove_quietly, temporary_beside

BOM = b"\xef\xbb\xbf"


class WriteError(Exception):
    """A fixed file could not be written; every file is as it was."""


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


def write_all(fixed: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Write {path: fixed source}; `expected` holds the sources the fixes were made from.
    A file whose content changed since is left alone (and named in the error)."""
    originals: dict[str, bytes] = {}
    for path in fixed:
        try:
            originals[path] = Path(path).read_bytes()
        except OSError as exc:
            raise WriteError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            current = linted_text(path, originals[path])
        except (UnicodeDecodeError, ValueError):
            current = None
        if current != expected.get(path):
            raise WriteError(f"{path} changed while it was being fixed; nothing was written")
    payloads = {path: encode(path, originals[path], text) for path, text in fixed.items()}
    payloads = {path: data for path, data in payloads.items() if data != originals[path]}
    temporaries: dict[str, str] = {}
    replaced: list[str] = []
    try:
        for path, data in payloads.items():
            temporaries[path] = temporary_beside(Path(path), data)
        for path in payloads:
            os.replace(temporaries[path], path)
            del temporaries[path]
            replaced.append(path)
    except BaseException as exc:
        for temporary in temporaries.values():
            remove_quietly(temporary)
        for path in replaced:
            try:
                os.replace(temporary_beside(Path(path), originals[path]), path)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {getattr(exc, 'filename', None) or 'a file'}: {exc.strerror or exc}") from None
        raise
    return sorted(payloads)
