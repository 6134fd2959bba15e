"""A cache of per-file facts on disk, keyed by content, so an unchanged file is never parsed
twice.

Layout: `<dir>/CACHEDIR.TAG`, `<dir>/.gitignore` (`*`), and one file per entry under
`<dir>/facts-v1/<key>`. The key hashes everything the facts depend on: the file's bytes,
its path and module name (facts carry both), losslint's version, a digest of losslint's
own code and rules (so an edited or upgraded losslint never reads stale facts), and the
Python and libcst versions. An entry is zlib-compressed pickle, written to a temporary file
and renamed into place (os.replace), so a reader sees a whole entry or none, and two runs
writing the same entry at once both write the same bytes. An entry that fails to load is
treated as missing and overwritten.

Entries nobody has used for PRUNE_AFTER_DAYS are deleted, at most once a day.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import time
import zlib
from functools import cache
from pathlib import Path

from losslint.core import atomic
from losslint.core.sources import marked_root
from losslint.core.version import __version__

ENV_VAR = "LOSSLINT_CACHE_DIR"
DEFAULT_NAME = ".losslint_cache"
PRUNE_AFTER_DAYS = 30
_DAY = 24 * 3600
_ENTRIES = "facts-v1"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by losslint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)

# IR singletons (UNKNOWN, UNDEFINED, TRAINING...) are compared by identity: pickle them by
# name so that a loaded tree holds the very same objects.
# Found on first use: importing ir runs the analysis package's __init__ (start-up, issue 14).
@cache
def _singletons() -> tuple[type, dict[str, object], dict[int, str]]:
    from losslint.analysis import ir

    by_name = {name: value for name, value in vars(ir).items() if isinstance(value, ir.IR)}
    return ir.IR, by_name, {id(value): name for name, value in by_name.items()}


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        kind, _, names = _singletons()
        return names.get(id(obj)) if isinstance(obj, kind) else None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid):
        return _singletons()[1][pid]


def dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return zlib.compress(buffer.getvalue(), 1)


def loads(data: bytes) -> object:
    return _Unpickler(io.BytesIO(zlib.decompress(data))).load()


def project_root(start: Path | None = None) -> Path:
    """The nearest directory with pyproject.toml or .git, from the current one up; else cwd."""
    here = (start or Path.cwd()).resolve()
    return marked_root(here) or here


def default_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else project_root() / DEFAULT_NAME


_code_digest: str | None = None


def code_digest() -> str:
    """A digest of losslint's own code and rule catalog (and of the Python and libcst
    versions), read once per process: an edited or upgraded losslint never reads stale
    entries."""
    global _code_digest
    if _code_digest is None:
        package = Path(__file__).resolve().parent.parent
        digest = hashlib.blake2b(digest_size=16)
        sources = sorted(package.rglob("*.py"))
        for rules in (package / "_rules", package.parent / "rules"):
            sources += sorted(rules.glob("*.toml"))
        for source in sources:
            try:
                digest.update(str(source.relative_to(package.parent)).encode() + b"\0" + source.read_bytes())
            except (OSError, ValueError):
                pass
        try:
            from importlib.metadata import version

            libcst_version = version("libcst")
        except Exception:  # noqa: BLE001 - not installed as a distribution: the digest still keys it
            libcst_version = "?"
        digest.update(f"{__version__}|{sys.version_info[:2]}|{libcst_version}".encode())
        _code_digest = digest.hexdigest()
    return _code_digest


def entry_key(kind: str, path: str, module: tuple, source: str) -> str:
    """The key of one file's entry; `kind` names what is stored ("facts" or "syntax")."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{code_digest()}\0{kind}\0{path}\0{module!r}\0".encode())
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class FactsCache:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.entries = self.directory / _ENTRIES
        self.writes = 0
        self._ready = False

    def get(self, key: str) -> bytes | None:
        """The stored bytes of an entry, or None (missing or unreadable)."""
        entry = self.entries / key
        try:
            with open(entry, "rb") as handle:
                data = handle.read()
                stamp = os.fstat(handle.fileno()).st_mtime
        except OSError:
            return None
        if time.time() - stamp > _DAY:
            try:  # mark it used, so that pruning keeps it
                os.utime(entry)
            except OSError:
                pass
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store an entry atomically; a cache that can't be written is silently skipped."""
        try:
            self._prepare()
            _write_atomic(self.entries / key, data)
            self.writes += 1
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._ready:
            return
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# Created by losslint.\n*\n")):
            target = self.directory / name
            if not target.exists():
                _write_atomic(target, text.encode())
        self._ready = True

    def prune(self, now: float | None = None) -> int:
        """Delete entries unused for PRUNE_AFTER_DAYS; runs at most once a day. -> count."""
        now = time.time() if now is None else now
        marker = self.directory / "last-prune"
        try:
            if now - marker.stat().st_mtime < _DAY:
                return 0
        except OSError:
            pass
        if not self.entries.is_dir():
            return 0
        removed = 0
        try:
            _write_atomic(marker, b"")
            for entry in os.scandir(self.entries):
                try:
                    if now - entry.stat().st_mtime > PRUNE_AFTER_DAYS * _DAY:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    pass
        except OSError:
            pass
        return removed


def _write_atomic(target: Path, data: bytes) -> None:
    # 0644: mkstemp's 0600 would hide a cache shared on a CI machine from other users.
    atomic.write_atomic(target, data, mode=0o644)
